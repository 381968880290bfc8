import { Command, InvalidArgumentError } from 'commander';
import { isLogLevel, type LogLevel } from '../lib/logger.js';
import { DEFAULT_TRANSFER_LIMITS, type TransferLimits, validateTransferLimits } from '../services/distribution/transfer-limits.js';

/** wharfd's configuration, from dockerd-compatible flags. */
export interface DaemonConfig {
  /** Path of the unix socket to serve the Engine API on. */
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  logLevel: LogLevel;
  runtime: 'runc' | 'crun';
  /** Group that may use the socket (mode 0660), like dockerd's `-G docker`; root only if absent. */
  group?: string;
  /**
   * Registries (`host[:port]` or CIDR) that may be reached over plain HTTP or unverified TLS, as
   * dockerd's `--insecure-registry` (repeatable). Loopback registries are insecure anyway.
   */
  insecureRegistries: string[];
  /** Layer transfers: `--max-concurrent-downloads`, `--max-concurrent-uploads`, `--max-download-attempts`. */
  transfers: TransferLimits;
  /** The default bridge's interface (`--bridge-name`); `wharf0`, or `wh-<tag>` for a non-default data root. */
  bridgeName?: string;
  /** The default bridge's address and prefix (`--bip`, e.g. `10.200.0.1/24`); chosen free when absent. */
  bip?: string;
  /**
   * Execs in runc containers are started by wharf-shim itself (native/shim/native-exec.c) rather
   * than `runc exec`; `--no-native-exec` turns that off (to compare, or should it misbehave).
   */
  nativeExec: boolean;
}

export const DEFAULT_SOCKET = '/run/wharf/wharf.sock';

/** A whole number flag value, as Go's strconv.ParseInt reads it. */
function parseIntFlag(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new InvalidArgumentError(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function parseHost(v: string): string {
  if (!v.startsWith('unix://')) throw new InvalidArgumentError(`unsupported host "${v}": only unix:///path is supported`);
  const p = v.slice('unix://'.length);
  if (!p.startsWith('/')) throw new InvalidArgumentError(`invalid host "${v}": the socket path must be absolute`);
  return p;
}

/** Parses wharfd's argv (without node and script) into a config. Throws on bad flags. */
export function parseDaemonArgs(argv: readonly string[]): DaemonConfig {
  const cmd = new Command('wharfd')
    .description('Wharf daemon: serves the Docker Engine API')
    .option('-H, --host <unix:///path>', 'socket to listen on', `unix://${DEFAULT_SOCKET}`)
    .option('--data-root <dir>', 'root of persistent state', '/var/lib/wharf')
    .option('--exec-root <dir>', 'root of runtime state', '/run/wharf')
    .option('-p, --pidfile <file>', 'path of the pid file')
    .option('-l, --log-level <level>', 'debug, info, warn, error or fatal', 'info')
    .option('--runtime <name>', 'OCI runtime: runc or crun', 'runc')
    .option('-G, --group <name>', 'group for the unix socket')
    // Distribution: registries allowed without verified TLS (loopback always is).
    .option('--insecure-registry <host>', 'registry reachable over plain HTTP (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    // Distribution: dockerd's layer-transfer limits (daemon-wide; 0 concurrency = no limit).
    .option('--max-concurrent-downloads <n>', 'max concurrent layer downloads', parseIntFlag, DEFAULT_TRANSFER_LIMITS.maxConcurrentDownloads)
    .option('--max-concurrent-uploads <n>', 'max concurrent layer uploads', parseIntFlag, DEFAULT_TRANSFER_LIMITS.maxConcurrentUploads)
    .option('--max-download-attempts <n>', 'max download attempts per layer', parseIntFlag, DEFAULT_TRANSFER_LIMITS.maxDownloadAttempts)
    // Networking: the default bridge's interface name and address (dockerd's -b is an existing interface; ours is made).
    .option('--bridge-name <name>', 'interface name of the default bridge network')
    .option('--bip <cidr>', 'address and prefix of the default bridge, e.g. 10.200.0.1/24')
    .option('--no-native-exec', 'start execs with the OCI runtime (runc exec) instead of wharf-shim')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  cmd.parse(argv as string[], { from: 'user' });
  const o = cmd.opts<{
    host: string;
    dataRoot: string;
    execRoot: string;
    pidfile?: string;
    logLevel: string;
    runtime: string;
    group?: string;
    insecureRegistry: string[];
    maxConcurrentDownloads: number;
    maxConcurrentUploads: number;
    maxDownloadAttempts: number;
    bridgeName?: string;
    bip?: string;
    nativeExec: boolean;
  }>();
  if (!isLogLevel(o.logLevel)) throw new InvalidArgumentError(`invalid log level "${o.logLevel}"`);
  if (o.runtime !== 'runc' && o.runtime !== 'crun') throw new InvalidArgumentError(`unknown runtime "${o.runtime}": use runc or crun`);
  const transfers: TransferLimits = { maxConcurrentDownloads: o.maxConcurrentDownloads, maxConcurrentUploads: o.maxConcurrentUploads, maxDownloadAttempts: o.maxDownloadAttempts };
  validateTransferLimits(transfers);
  const cfg: DaemonConfig = {
    socketPath: parseHost(o.host),
    dataRoot: o.dataRoot,
    execRoot: o.execRoot,
    pidfile: o.pidfile ?? `${o.execRoot}/wharfd.pid`,
    logLevel: o.logLevel,
    runtime: o.runtime,
    insecureRegistries: o.insecureRegistry,
    transfers,
    nativeExec: o.nativeExec,
  };
  if (o.group) cfg.group = o.group;
  if (o.bridgeName) {
    if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(o.bridgeName)) throw new InvalidArgumentError(`invalid --bridge-name "${o.bridgeName}": at most 15 of [a-zA-Z0-9_.-]`);
    cfg.bridgeName = o.bridgeName;
  }
  if (o.bip) cfg.bip = o.bip;
  return cfg;
}
