/**
 * Where a registry named in an image reference really is, and how to talk to it: the Docker Hub
 * name `docker.io` is served by `registry-1.docker.io`. Whether a registry is "insecure" (plain
 * HTTP allowed, TLS certificates not verified) is insecure-registries.ts's question.
 */
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
