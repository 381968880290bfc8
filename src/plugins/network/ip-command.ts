/**
 * iproute2 as a library: batches of `ip` commands (one process for many changes), and the JSON
 * views (`ip -json`) the bridge driver reads. npm has no maintained netlink binding, and `ip`
 * is on every host we run on (see ecosystem.md §12).
 */
import { internal } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';

export interface IpBatchOptions {
  /** Run the batch inside this named network namespace (`ip -n NAME`). */
  netns?: string;
  /**
   * Keep going after a failing line and report only failures whose message does not match
   * `tolerate` (removals of things already gone). Without it the first failure throws.
   */
  tolerate?: RegExp;
}

/** Messages of removals whose target is already gone. */
export const ALREADY_GONE = /Cannot find device|does not exist|No such file or directory|Cannot remove namespace file|RTNETLINK answers: No such/;

/** Runs `ip -batch -` with `lines`; throws Internal with ip's own message on failure. */
export async function ipBatch(lines: readonly string[], opts: IpBatchOptions = {}): Promise<void> {
  if (lines.length === 0) return;
  const args = [...(opts.netns ? ['-n', opts.netns] : []), ...(opts.tolerate ? ['-force'] : []), '-batch', '-'];
  const r = await runCommand('ip', args, { input: `${lines.join('\n')}\n`, check: false });
  if (r.code === 0) return;
  const errors = r.stderr
    .split('\n')
    .filter((l) => l.trim() && !/^Command failed/.test(l))
    .filter((l) => !(opts.tolerate?.test(l)));
  if (errors.length || !opts.tolerate) {
    throw internal(`ip ${args.join(' ')} failed: ${(errors.length ? errors : [r.stderr.trim()]).join('; ')}`);
  }
}

/** `ip -json …` parsed; an absent device or namespace reads as []. */
async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const r = await runCommand('ip', ['-json', ...args], { check: false });
  if (r.code !== 0) {
    if (ALREADY_GONE.test(r.stderr) || /wrong: Device does not exist/.test(r.stderr)) return [];
    throw internal(`ip -json ${args.join(' ')} failed: ${r.stderr.trim()}`);
  }
  const text = r.stdout.trim();
  return text ? (JSON.parse(text) as T[]) : [];
}

export interface IpLink {
  ifname: string;
  master?: string;
  link_type?: string;
  address?: string;
  flags?: string[];
}

export interface IpRoute {
  dst: string;
  dev?: string;
}

export interface IpAddrInfo {
  ifname: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

/** One link by name, or undefined. */
export async function getLink(name: string): Promise<IpLink | undefined> {
  return (await ipJson<IpLink>(['link', 'show', 'dev', name]))[0];
}

/** Links enslaved to `bridge` (its ports). */
export function linksOf(bridge: string): Promise<IpLink[]> {
  return ipJson<IpLink>(['link', 'show', 'master', bridge]);
}

/** IPv4 routes of the main table. */
export function listRoutes(): Promise<IpRoute[]> {
  return ipJson<IpRoute>(['-4', 'route', 'show']);
}

/** IPv4 addresses of every interface. */
export function listAddresses(): Promise<IpAddrInfo[]> {
  return ipJson<IpAddrInfo>(['-4', 'addr', 'show']);
}

/** IPv4 addresses of one interface as `a.b.c.d/len`. */
export async function addressesOf(dev: string): Promise<string[]> {
  const links = await ipJson<IpAddrInfo>(['-4', 'addr', 'show', 'dev', dev]);
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
}

/** Names of the named network namespaces (`ip netns`). */
export async function listNetns(): Promise<string[]> {
  return (await ipJson<{ name: string }>(['netns', 'list'])).map((n) => n.name);
}
