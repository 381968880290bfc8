/**
 * The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets, written into its
 * directory and bind-mounted by the spec generator, with the contents dockerd writes.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument } from '../../../errdefs/index.js';
import { tempPathFor } from '../../../lib/atomic-write.js';
import type { HostConfig } from '../../../spec/engine/types.js';

/** moby libnetwork/etchosts defaultContent. */
const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** Google's resolvers: what Docker falls back to when the host has only local ones. */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** `--add-host name:ip` entries as hosts lines (`ip\tname`), validated as Docker does. */
function extraHostLines(extra: readonly string[] | null | undefined): string[] {
  return (extra ?? []).map((entry) => {
    const i = entry.indexOf(':');
    if (i <= 0) throw invalidArgument(`invalid argument "${entry}" for "--add-host" flag: bad format for add-host: "${entry}"`);
    return `${entry.slice(i + 1)}\t${entry.slice(0, i)}`;
  });
}

/**
 * The hosts file: the localhost entries, then `--add-host` ones, as dockerd writes them. With
 * `--network none` that is all (as in Docker). On the default network Docker adds
 * `<ip>\t<hostname>`; until the networking issue gives containers an address there, the
 * hostname is mapped to 127.0.1.1 (as podman does without an address) so it still resolves.
 * With `--network host` the host's own /etc/hosts is used, as Docker does.
 */
export async function hostsContent(h: HostConfig, hostname = '', hostHosts = '/etc/hosts'): Promise<string> {
  const extra = extraHostLines(h.ExtraHosts);
  if (h.NetworkMode === 'host') {
    const own = await fs.readFile(hostHosts, 'utf8').catch(() => `${DEFAULT_HOSTS.join('\n')}\n`);
    return extra.length ? `${own.replace(/\n?$/, '\n')}${extra.join('\n')}\n` : own;
  }
  const self = hostname && h.NetworkMode !== 'none' ? [`127.0.1.1\t${hostname}`] : [];
  return `${[...DEFAULT_HOSTS, ...extra, ...self].join('\n')}\n`;
}

const isLocalNameserver = (addr: string) => /^127\./.test(addr) || addr === '::1' || addr === '0:0:0:0:0:0:0:1';

/**
 * The resolv.conf (moby libnetwork/resolvconf FilterResolvDNS and Build): the host's, without
 * loopback nameservers (they mean nothing in another network namespace) nor IPv6 ones (no IPv6
 * networking), falling back to Google's when none is left; `--dns`, `--dns-search` and
 * `--dns-option` replace the respective parts. `--network host` keeps the host's file as is.
 */
export function resolvConfContent(host: string, h: HostConfig): string {
  if (h.NetworkMode === 'host' && !h.Dns?.length && !h.DnsSearch?.length && !h.DnsOptions?.length) return host;
  const lines = host.split('\n');
  const kept: string[] = [];
  let nameservers = 0;
  for (const line of lines) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) {
      if (h.Dns?.length || isLocalNameserver(m[1]!) || m[1]!.includes(':')) continue;
      nameservers++;
    }
    if (h.DnsSearch?.length && /^\s*(search|domain)\b/.test(line)) continue;
    if (h.DnsOptions?.length && /^\s*options\b/.test(line)) continue;
    kept.push(line);
  }
  let text = kept.join('\n').replace(/\n*$/, '\n');
  if (text === '\n') text = '';
  const extra: string[] = [];
  if (h.Dns?.length) extra.push(...h.Dns.map((d) => `nameserver ${d}`));
  else if (nameservers === 0) extra.push(...FALLBACK_NAMESERVERS.map((d) => `nameserver ${d}`));
  if (h.DnsSearch?.length) extra.push(`search ${h.DnsSearch.join(' ')}`);
  if (h.DnsOptions?.length) extra.push(`options ${h.DnsOptions.join(' ')}`);
  return extra.length ? `${text}${extra.join('\n')}\n` : text;
}

/** The host's resolv.conf (systemd-resolved's real one when /etc has the stub), or ''. */
async function readHostResolvConf(): Promise<string> {
  const etc = await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  if (/nameserver\s+127\.0\.0\.53/.test(etc)) {
    const real = await fs.readFile('/run/systemd/resolve/resolv.conf', 'utf8').catch(() => '');
    if (real) return real;
  }
  return etc;
}

/** Paths of the three files in a container's directory. */
export interface EtcPaths {
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
}

export function etcPaths(containerDir: string): EtcPaths {
  return {
    hostnamePath: path.join(containerDir, 'hostname'),
    hostsPath: path.join(containerDir, 'hosts'),
    resolvConfPath: path.join(containerDir, 'resolv.conf'),
  };
}

/**
 * Replaces `file` by rename so a reader (or a container that bind-mounted the old inode) never
 * sees a torn file. Not fsynced: unlike the record, these files are derived data that
 * {@link writeEtcFiles} rewrites at every start, and skipping three fsyncs keeps create fast.
 */
async function replaceFile(file: string, data: string): Promise<void> {
  const tmp = tempPathFor(file);
  await fs.writeFile(tmp, data, { mode: 0o644 });
  await fs.rename(tmp, file);
}

/** Writes hostname, hosts and resolv.conf into `containerDir` (at create and at every start). */
export async function writeEtcFiles(containerDir: string, hostname: string, h: HostConfig): Promise<EtcPaths> {
  const p = etcPaths(containerDir);
  const name = h.NetworkMode === 'host' ? os.hostname() : hostname;
  const [hosts, resolv] = await Promise.all([hostsContent(h, name), readHostResolvConf()]);
  await Promise.all([
    replaceFile(p.hostnamePath, `${name}\n`),
    replaceFile(p.hostsPath, hosts),
    replaceFile(p.resolvConfPath, resolvConfContent(resolv, h)),
  ]);
  return p;
}
