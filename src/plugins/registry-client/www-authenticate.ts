/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 *
 *   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"
 *   Basic realm="basic-realm"
 *
 * Hand-written (no npm package parses RFC 7235 challenge lists well and small): a header may hold
 * several challenges, parameters are `name=token` or `name="quoted \"string\""`.
 */

/** One challenge: its scheme (lower-cased) and parameters (names lower-cased). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** Parses every challenge of one or more `WWW-Authenticate` header values; never throws. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const v of values) out.push(...parseOne(v));
  return out;
}

function parseOne(s: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  let current: Challenge | undefined;
  const skip = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++;
  };
  while (i < s.length) {
    skip();
    const m = TOKEN.exec(s.slice(i));
    if (!m) break;
    const word = m[0];
    i += word.length;
    let j = i;
    while (s[j] === ' ' || s[j] === '\t') j++;
    if (s[j] === '=' && current) {
      // A parameter of the current challenge.
      i = j + 1;
      while (s[i] === ' ' || s[i] === '\t') i++;
      const { value, next } = readValue(s, i);
      current.params[word.toLowerCase()] = value;
      i = next;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

function readValue(s: string, i: number): { value: string; next: number } {
  if (s[i] !== '"') {
    const m = TOKEN.exec(s.slice(i));
    const value = m ? m[0] : '';
    return { value, next: i + value.length };
  }
  let value = '';
  let j = i + 1;
  while (j < s.length && s[j] !== '"') {
    if (s[j] === '\\' && j + 1 < s.length) j++;
    value += s[j];
    j++;
  }
  return { value, next: j + 1 };
}
