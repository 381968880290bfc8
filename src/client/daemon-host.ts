import { invalidArgument } from '../errdefs/index.js';

/** Where the daemon listens when nothing else is configured. */
export const DEFAULT_HOST = 'unix:///run/wharf/wharf.sock';

/** A parsed daemon address: a unix socket or a TCP host:port (plain HTTP). */
export type DaemonHost = { kind: 'unix'; socketPath: string; url: string } | { kind: 'tcp'; host: string; port: number; url: string };

/**
 * Picks the daemon address like the docker CLI: the `-H/--host` flag first, then WHARF_HOST,
 * then DOCKER_HOST, then {@link DEFAULT_HOST}.
 */
export function resolveDaemonHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): DaemonHost {
  const raw = flag || env.WHARF_HOST || env.DOCKER_HOST || DEFAULT_HOST;
  return parseDaemonHost(raw);
}

/**
 * Parses `unix:///path`, `tcp://host:port`, `http://host:port` or a bare `/path` (a socket).
 * @throws InvalidArgument for other schemes, with docker's wording.
 */
export function parseDaemonHost(raw: string): DaemonHost {
  if (raw.startsWith('/')) return { kind: 'unix', socketPath: raw, url: `unix://${raw}` };
  const m = /^([a-z]+):\/\/(.*)$/.exec(raw);
  if (!m) throw invalidArgument(`unable to parse docker host \`${raw}\``);
  const [, scheme, rest] = m;
  if (scheme === 'unix') {
    if (!rest) throw invalidArgument(`unable to parse docker host \`${raw}\``);
    return { kind: 'unix', socketPath: rest, url: raw };
  }
  if (scheme === 'tcp' || scheme === 'http') {
    const hm = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (!hm) throw invalidArgument(`unable to parse docker host \`${raw}\``);
    const host = hm[1].replace(/^\[|\]$/g, '');
    return { kind: 'tcp', host, port: hm[2] ? Number(hm[2]) : 2375, url: raw };
  }
  throw invalidArgument(`Invalid bind address format: ${raw}`);
}
