/**
 * Builds the `POST /containers/create` body from the container flags exactly as the docker CLI
 * does (cli/command/container/opts.go `parse`): the same fields, the same empty values (`null`
 * vs `[]` vs `{}`), the same key order, so that wharfd and dockerd see identical requests.
 */
import path from 'node:path';
import type { ContainerCreateRequest } from '../../spec/engine/types.js';
import type { ContainerFlags } from './container-flags.js';
import { effectiveCaps, validateEnv } from './flag-validators.js';
import { dedupeEnv, kvStringsToMap, readKVEnvStrings, readKVStrings } from './kv-files.js';
import { parsePorts } from './port-specs.js';
import { buildHostConfig } from './host-config.js';

export interface CreateInput {
  flags: ContainerFlags;
  image: string;
  args: string[];
  /** Terminal size of stdout (`[0, 0]` off a terminal): HostConfig.ConsoleSize. */
  consoleSize: [number, number];
  env: NodeJS.ProcessEnv;
}

/** A map with keys in Go's marshal order (sorted). */
export function sortedMap<V>(m: Record<string, V> | Map<string, V>): Record<string, V> {
  const entries = m instanceof Map ? [...m.entries()] : Object.entries(m);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `-v` specs: anonymous volumes go to Config.Volumes, the rest are binds (relative `./x` made absolute). */
function splitVolumes(specs: readonly string[]): { volumes: Record<string, object>; binds: string[] | null } {
  const volumes: Record<string, object> = {};
  const binds: string[] = [];
  for (const spec of specs) {
    if (spec === '') throw new Error('invalid empty volume spec');
    if (spec.includes('::')) throw new Error(`invalid spec: ${spec}: empty section between colons`);
    const colon = spec.indexOf(':');
    if (colon < 0) {
      volumes[spec] = {};
      continue;
    }
    const host = spec.slice(0, colon);
    binds.push(host.startsWith('.') ? `${path.resolve(host)}${spec.slice(colon)}` : spec);
  }
  return { volumes: sortedMap(volumes), binds: binds.length ? binds : null };
}

function healthcheck(f: ContainerFlags): Record<string, unknown> | undefined {
  const have =
    Boolean(f.healthCmd) || Boolean(f.healthInterval) || Boolean(f.healthTimeout) || Boolean(f.healthStartPeriod) || Boolean(f.healthRetries) || Boolean(f.healthStartInterval);
  if (f.healthcheck === false) {
    if (have) throw new Error('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!have) return undefined;
  const checks: Array<[number | undefined, string]> = [
    [f.healthInterval, 'interval'],
    [f.healthTimeout, 'timeout'],
    [f.healthRetries, 'retries'],
    [f.healthStartPeriod, 'start-period'],
    [f.healthStartInterval, 'start-interval'],
  ];
  for (const [v, name] of checks) if ((v ?? 0) < 0) throw new Error(`--health-${name} cannot be negative`);
  const out: Record<string, unknown> = {};
  if (f.healthCmd) out.Test = ['CMD-SHELL', f.healthCmd];
  if (f.healthInterval) out.Interval = f.healthInterval;
  if (f.healthTimeout) out.Timeout = f.healthTimeout;
  if (f.healthStartPeriod) out.StartPeriod = f.healthStartPeriod;
  if (f.healthStartInterval) out.StartInterval = f.healthStartInterval;
  if (f.healthRetries) out.Retries = f.healthRetries;
  return out;
}

/** The endpoints docker sends: the full "default" endpoint, none for a single --network, else one per network. */
function endpointsConfig(networks: readonly string[]): Record<string, unknown> {
  const endpoint = () => ({
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  });
  if (networks.length === 0) return { default: endpoint() };
  if (networks.length === 1) return {};
  const out: Record<string, unknown> = {};
  for (const n of networks) {
    if (out[n]) throw new Error(`network ${JSON.stringify(n)} is specified multiple times`);
    out[n] = endpoint();
  }
  return out;
}

/**
 * docker's `parse`: the create body. Throws an Error with docker's message for bad input (the
 * caller reports it as `docker: <msg>` with exit status 125).
 */
export function buildCreateBody(input: CreateInput): ContainerCreateRequest {
  const f = input.flags;
  const attach = new Set(f.attach);
  const attachAll = attach.size === 0;
  if (f.memorySwappiness !== -1 && (f.memorySwappiness < 0 || f.memorySwappiness > 100)) {
    throw new Error(`invalid value: ${f.memorySwappiness}. Valid memory swappiness range is 0-100`);
  }
  const { volumes, binds } = splitVolumes(f.volume);
  const ports = parsePorts(f.publish, f.expose);
  const env = readKVEnvStrings(f.envFile, dedupeEnv(f.env.map((e) => validateEnv(e, input.env))), input.env);
  const labels = sortedMap(kvStringsToMap(readKVStrings(f.labelFile, f.label)));
  const caps = effectiveCaps(f.capAdd, f.capDrop);
  const networks = [...f.network, ...f.net];
  const hostConfig = buildHostConfig({ flags: f, binds, ports, caps, consoleSize: input.consoleSize, networkMode: networks[0] ?? 'default' });
  const health = healthcheck(f);
  const entrypoint = f.entrypoint !== undefined ? [f.entrypoint] : null;
  const openStdin = Boolean(f.interactive);
  const attachStdin = openStdin || attach.has('stdin');
  const body: Record<string, unknown> = {
    Hostname: f.hostname ?? '',
    Domainname: f.domainname ?? '',
    User: f.user ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachAll || attach.has('stdout'),
    AttachStderr: attachAll || attach.has('stderr'),
  };
  if (ports.exposed.size) body.ExposedPorts = sortedMap(Object.fromEntries([...ports.exposed].map((p) => [p, {}])));
  Object.assign(body, {
    Tty: Boolean(f.tty),
    OpenStdin: openStdin,
    StdinOnce: openStdin && attachStdin,
    Env: env,
    Cmd: input.args.length ? input.args : null,
  });
  if (health) body.Healthcheck = health;
  Object.assign(body, { Image: input.image, Volumes: volumes, WorkingDir: f.workdir ?? '', Entrypoint: entrypoint, OnBuild: null, Labels: labels });
  if (f.stopSignal) body.StopSignal = f.stopSignal;
  if (f.stopTimeout !== undefined) body.StopTimeout = f.stopTimeout;
  body.HostConfig = hostConfig;
  body.NetworkingConfig = { EndpointsConfig: endpointsConfig(networks) };
  return body as ContainerCreateRequest;
}

