/**
 * JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. The docker CLI
 * accepts either form; we match the daemon byte for byte where it is cheap to do so.
 */
export function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's json.Encoder output: goJSON plus a newline. */
export function goJSONLine(value: unknown): string {
  return `${goJSON(value)}\n`;
}
