/**
 * The docker CLI's per-value flag validators (cli/opts): each returns the value to keep, or
 * throws an Error with docker's message, reported as a flag error (exit status 125).
 */
import { ipVersion as isIP } from './ip-address.js';

const WHITESPACE = /[ \t\n\v\f\r]/;

/** Go's net.IP.String() of a valid address: IPv6 compressed, IPv4-mapped shown as IPv4. */
export function canonicalIP(ip: string): string {
  if (isIP(ip) === 4) return ip;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const [hi, lo] = [Number.parseInt(mapped[1], 16), Number.parseInt(mapped[2], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

/** opts.ValidateIPAddress: the address in canonical form. */
export function validateIPAddress(val: string): string {
  const ip = val.trim();
  if (isIP(ip) === 0) throw new Error(`IP address is not correctly formatted: ${val}`);
  return canonicalIP(ip);
}

/** opts.ValidateEnv: `KEY=value` as is; a bare `KEY` takes the value from our environment if set. */
export function validateEnv(val: string, env: NodeJS.ProcessEnv = process.env): string {
  const eq = val.indexOf('=');
  const key = eq < 0 ? val : val.slice(0, eq);
  if (key === '') throw new Error(`invalid environment variable: ${val}`);
  if (eq >= 0) return val;
  const v = env[key];
  return v === undefined ? val : `${key}=${v}`;
}

/** validateEnv's check alone (a name is required), keeping the value for a later lookup. */
export function checkEnv(val: string): string {
  validateEnv(val, {});
  return val;
}

/** opts.ValidateLabel: leading white space is dropped from the key, any other is refused. */
export function validateLabel(val: string): string {
  const key = (val.includes('=') ? val.slice(0, val.indexOf('=')) : val).replace(/^[ \t\n\v\f\r]+/, '');
  if (key === '') throw new Error(`invalid label '${val}': empty name`);
  if (WHITESPACE.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return val;
}

/** opts.ValidateExtraHost: `host:ip` or `host=ip` (IPv6 may be bracketed), sent as `host:ip`. */
export function validateExtraHost(val: string): string {
  let sep = val.indexOf('=');
  if (sep < 0) sep = val.indexOf(':');
  const k = sep < 0 ? val : val.slice(0, sep);
  let v = sep < 0 ? '' : val.slice(sep + 1);
  if (sep < 0 || k === '' || k.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(val)}`);
  if (v !== 'host-gateway') {
    if (v.length > 2 && v.startsWith('[') && v.endsWith(']')) v = v.slice(1, -1);
    if (isIP(v.trim()) === 0) throw new Error(`invalid IP address in add-host: ${JSON.stringify(v)}`);
  }
  return `${k}:${v}`;
}

/** validateAttach: stdin, stdout or stderr, any case, kept lower-case. */
export function validateAttach(val: string): string {
  const s = val.toLowerCase();
  if (s === 'stdin' || s === 'stdout' || s === 'stderr') return s;
  throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

/** opts.ValidateDNSSearch: a domain of at most 255 characters, or `.`. */
export function validateDnsSearch(val: string): string {
  const ns = val.replace(/\.$/, '');
  if (val === '.') return val;
  if (ns.length > 255) throw new Error(`invalid search domain: ${val}`);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(ns)) throw new Error(`${val} is not a valid domain`);
  return val;
}

/** opts.ValidateSysctl for the namespaced sysctls docker allows. */
export function validateSysctl(val: string): string {
  const key = val.split('=')[0];
  const ok =
    ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'].includes(key) ||
    key.startsWith('fs.mqueue.') ||
    key.startsWith('net.');
  if (!val.includes('=') || !ok) throw new Error(`sysctl '${val}' is not allowed`);
  return val;
}

/** Docker's capability normalization: upper-case, `CAP_` prefixed, `ALL` kept. */
export function normalizeCapability(cap: string): string {
  const c = cap.trim().toUpperCase();
  if (c === 'ALL' || c.startsWith('CAP_')) return c;
  return `CAP_${c}`;
}

/**
 * The capability lists as docker 28 sends them: each normalized, de-duplicated and sorted
 * (conflicts between the lists are left to the daemon). Empty lists are `null` on the wire.
 */
export function effectiveCaps(add: readonly string[], drop: readonly string[]): { capAdd: string[] | null; capDrop: string[] | null } {
  const list = (l: readonly string[]) => {
    const s = [...new Set(l.map(normalizeCapability))].sort();
    return s.length ? s : null;
  };
  return { capAdd: list(add), capDrop: list(drop) };
}
