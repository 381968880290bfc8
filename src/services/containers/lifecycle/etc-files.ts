/**
 * The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets, written into its
 * directory and bind-mounted by the spec generator, with the contents dockerd writes.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { invalidArgument } from '../../../errdefs/index.js';
import { tempPathFor } from '../../../lib/atomic-write.js';
import type { EtcNetworkData } from '../../../core/network/container-networking.js';
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

/** `--add-host name:ip` entries as hosts lines (`ip\tname`), validated as Docker does; `host-gateway` is the bridge's gateway. */
function extraHostLines(extra: readonly string[] | null | undefined, hostGateway?: string): string[] {
  return (extra ?? []).map((entry) => {
    const i = entry.indexOf(':');
    if (i <= 0) throw invalidArgument(`invalid argument "${entry}" for "--add-host" flag: bad format for add-host: "${entry}"`);
    let ip = entry.slice(i + 1);
    if (ip === 'host-gateway') {
      if (!hostGateway) throw invalidArgument('unable to derive the IP value for host-gateway');
      ip = hostGateway;
    }
    return `${ip}\t${entry.slice(0, i)}`;
  });
}

/** Docker's line for the container itself: a dotted hostname is also listed by its first label. */
function selfLine(ip: string, hostname: string): string {
  const dot = hostname.indexOf('.');
  return dot > 0 ? `${ip}\t${hostname} ${hostname.slice(0, dot)}` : `${ip}\t${hostname}`;
}

/**
 * The hosts file: the localhost entries, then `--add-host` ones, then `<ip>\t<hostname>` with
 * the container's address on its primary network, as dockerd writes it. Without an address
 * (no network subsystem wired) the hostname is mapped to 127.0.1.1, as podman does, so it still
 * resolves. With `--network none` there is no hostname line (as in Docker); with
 * `--network host` the host's own /etc/hosts is used, as Docker does.
 */
export async function hostsContent(h: HostConfig, hostname = '', net: EtcNetworkData = {}, hostHosts = '/etc/hosts'): Promise<string> {
  const extra = extraHostLines(h.ExtraHosts, net.hostGateway);
  if (h.NetworkMode === 'host') {
    const own = await fs.readFile(hostHosts, 'utf8').catch(() => `${DEFAULT_HOSTS.join('\n')}\n`);
    return extra.length ? `${own.replace(/\n?$/, '\n')}${extra.join('\n')}\n` : own;
  }
  const self = hostname && h.NetworkMode !== 'none' ? [selfLine(net.selfIp ?? '127.0.1.1', hostname)] : [];
  return `${[...DEFAULT_HOSTS, ...extra, ...self].join('\n')}\n`;
}

const isLocalNameserver = (addr: string) => /^127\./.test(addr) || addr === '::1' || addr === '0:0:0:0:0:0:0:1';

const nameserversIn = (text: string) => [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!);
const lastListIn = (text: string, key: string) => {
  const lines = [...text.matchAll(new RegExp(`^\\s*${key}\\s+(.*)$`, 'gm'))];
  return lines.length ? lines[lines.length - 1]![1]!.trim().split(/\s+/) : [];
};

/** moby resolvconf.Build: search, nameservers, options. */
function buildResolvConf(search: readonly string[], ns: readonly string[], options: readonly string[]): string {
  const lines = [...(search.length ? [`search ${search.join(' ')}`] : []), ...ns.map((n) => `nameserver ${n}`), ...(options.length ? [`options ${options.join(' ')}`] : [])];
  return `${lines.join('\n')}\n`;
}

/** moby FilterResolvDNS: the host's file without loopback and IPv6 nameservers, Google's when none is left. */
function filterResolvConf(host: string): string {
  const kept = host.split('\n').filter((line) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    return !m || !(isLocalNameserver(m[1]!) || m[1]!.includes(':'));
  });
  let text = kept.join('\n').replace(/\n*$/, '\n');
  if (text === '\n') text = '';
  const usable = nameserversIn(text).length;
  return usable ? text : `${text}${FALLBACK_NAMESERVERS.map((d) => `nameserver ${d}`).join('\n')}\n`;
}

/**
 * The resolv.conf (moby libnetwork sandbox setupDNS and rebuildDNS): without `--dns`,
 * `--dns-search` and `--dns-option` the host's file, filtered; with any of them, rebuilt
 * (search, nameservers, options) with those parts replaced. On a user network the embedded DNS
 * (`embeddedDns`, the network's gateway here) is the only nameserver — the others become its
 * upstreams — and `ndots:0` is added unless an ndots option is given, as Docker does.
 * `--network host` keeps the host's file as is.
 */
export function resolvConfContent(host: string, h: HostConfig, embeddedDns?: string): string {
  const custom = Boolean(h.Dns?.length || h.DnsSearch?.length || h.DnsOptions?.length);
  if (h.NetworkMode === 'host' && !custom) return host;
  if (!custom && !embeddedDns) return filterResolvConf(host);
  const hostNs = nameserversIn(host).filter((n) => !isLocalNameserver(n) && !n.includes(':'));
  let ns = h.Dns?.length ? [...h.Dns] : hostNs.length ? hostNs : FALLBACK_NAMESERVERS;
  const search = h.DnsSearch?.length ? h.DnsSearch : lastListIn(host, 'search');
  let options = h.DnsOptions?.length ? [...h.DnsOptions] : lastListIn(host, 'options');
  if (embeddedDns) {
    ns = [embeddedDns];
    if (!options.some((o) => o.startsWith('ndots:'))) options = [...options, 'ndots:0'];
  }
  return buildResolvConf(search, ns, options);
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

/**
 * Writes hostname, hosts and resolv.conf into `containerDir` (at create and at every start),
 * from what networking gives the run (`net`); with `--network container:X` they are X's.
 */
export async function writeEtcFiles(containerDir: string, hostname: string, h: HostConfig, net: EtcNetworkData = {}): Promise<EtcPaths> {
  const p = etcPaths(containerDir);
  const share = net.shareFrom;
  if (share) {
    const read = (f: string) => fs.readFile(f, 'utf8').catch(() => '');
    const [name, hosts, resolv] = await Promise.all([read(share.hostnamePath), read(share.hostsPath), read(share.resolvConfPath)]);
    await Promise.all([
      replaceFile(p.hostnamePath, name || `${share.hostname}\n`),
      replaceFile(p.hostsPath, hosts || `${DEFAULT_HOSTS.join('\n')}\n`),
      replaceFile(p.resolvConfPath, resolv || resolvConfContent(await readHostResolvConf(), h)),
    ]);
    return p;
  }
  const name = h.NetworkMode === 'host' ? os.hostname() : hostname;
  const [hosts, resolv] = await Promise.all([hostsContent(h, name, net), readHostResolvConf()]);
  await Promise.all([
    replaceFile(p.hostnamePath, `${name}\n`),
    replaceFile(p.hostsPath, hosts),
    replaceFile(p.resolvConfPath, resolvConfContent(resolv, h, net.nameserver)),
  ]);
  return p;
}
