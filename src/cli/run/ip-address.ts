/**
 * IP address checks for flag values, as Go's net.ParseIP accepts them (no zones; IPv4 without
 * leading zeros). Written here rather than imported from node:net, which is heavy to load at CLI
 * start-up just to validate flags.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv6(s: string): boolean {
  if (!s.includes(':') || s.includes('%') || s.includes('[') || s.includes('/')) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

/** 4, 6, or 0 when `s` is no IP address (like node:net's isIP). */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (isIPv4(s)) return 4;
  return isIPv6(s) ? 6 : 0;
}
