/** Wharf's own version, reported by `wharf version` and the Engine API's /version. */
export const WHARF_VERSION = '0.1.0';
