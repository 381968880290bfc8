/**
 * Where a registry named in an image reference really is, and how to talk to it: the Docker Hub
 * name `docker.io` is served by `registry-1.docker.io`; a registry is "insecure" (plain HTTP
 * allowed, TLS certificates not verified) when it is on loopback or listed with wharfd's
 * `--insecure-registry` (a host[:port] or a CIDR), as dockerd decides.
 */
import net from 'node:net';
import { invalidArgument } from '../../errdefs/index.js';
import { DEFAULT_DOMAIN } from '../../spec/reference.js';

/** The host serving Docker Hub's registry API. */
export const DOCKER_HUB_HOST = 'registry-1.docker.io';
/** The key the docker CLI files Docker Hub credentials under (and sends as serveraddress). */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The `host[:port]` to connect to for a reference's domain. */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === 'index.docker.io' ? DOCKER_HUB_HOST : domain;
}

/** Splits `host[:port]` (IPv6 in brackets) into host and port. */
export function splitHostPort(hostport: string): { host: string; port?: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostport);
  if (m) return { host: m[1]!, port: m[2] };
  const i = hostport.lastIndexOf(':');
  if (i > 0 && !hostport.slice(0, i).includes(':')) return { host: hostport.slice(0, i), port: hostport.slice(i + 1) };
  return { host: hostport };
}

interface Cidr {
  family: 'ipv4' | 'ipv6';
  block: net.BlockList;
}

/** True for 127.0.0.0/8, ::1 and `localhost` (always insecure, as in dockerd). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The daemon's insecure-registry list. Entries are `host[:port]` names (matched exactly, or by
 * host alone when the entry has no port) or CIDRs matched against literal IP hosts.
 */
export class InsecureRegistries {
  private readonly names = new Set<string>();
  private readonly cidrs: Cidr[] = [];

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const e = raw.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      if (e === '') continue;
      const slash = e.indexOf('/');
      if (slash > 0) {
        const ip = e.slice(0, slash);
        const bits = Number(e.slice(slash + 1));
        const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined;
        if (!family || !Number.isInteger(bits) || bits < 0 || bits > (family === 'ipv4' ? 32 : 128)) {
          throw invalidArgument(`insecure registry ${raw} is not valid: invalid CIDR`);
        }
        const block = new net.BlockList();
        block.addSubnet(ip, bits, family);
        this.cidrs.push({ family, block });
      } else {
        this.names.add(e.toLowerCase());
      }
    }
  }

  /** Whether `hostport` (a registry host as in a reference) may be used without verified TLS. */
  isInsecure(hostport: string): boolean {
    const lower = hostport.toLowerCase();
    const { host } = splitHostPort(lower);
    if (isLoopbackHost(host)) return true;
    if (this.names.has(lower) || this.names.has(host)) return true;
    const family = net.isIPv4(host) ? 'ipv4' : net.isIPv6(host) ? 'ipv6' : undefined;
    return family !== undefined && this.cidrs.some((c) => c.family === family && c.block.check(host, family));
  }
}
