import { internal, invalidArgument } from '../../../errdefs/index.js';
import { ramInBytes } from '../../../lib/go-units.js';
import type { ShimLogOptions } from '../../../plugins/shim/spawn-shim.js';
import type { HostConfig } from '../../../spec/engine/types.js';

/** Options the json-file driver accepts (moby daemon/logger/jsonfilelog ValidateLogOpt). */
const JSON_FILE_OPTS = new Set(['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);
/** Options every driver accepts (moby daemon/logger builtInLogOpts). */
const COMMON_OPTS = new Set(['mode', 'max-buffer-size']);
/** dockerd's other built-in drivers: known names, not available here (no daemon to send to). */
const OTHER_DOCKER_DRIVERS = new Set(['awslogs', 'fluentd', 'gcplogs', 'gelf', 'journald', 'local', 'logentries', 'splunk', 'syslog']);

/**
 * LogConfig at create, as dockerd's ValidateLogOpts: the mode, `max-buffer-size`, the driver and
 * the option names. The values of json-file's own options are read at start, as dockerd reads
 * them when it opens the log (see shimLogOptions). Returns create warnings for options that are
 * accepted but change nothing here.
 */
export function validateLogConfig(h: HostConfig): string[] {
  const type = h.LogConfig?.Type || 'json-file';
  const cfg = h.LogConfig?.Config ?? {};
  if (type === 'none') return [];
  const mode = cfg.mode ?? '';
  if (mode !== '' && mode !== 'blocking' && mode !== 'non-blocking') throw invalidArgument(`logger: logging mode not supported: ${mode}`);
  const buffer = cfg['max-buffer-size'];
  if (buffer !== undefined) {
    if (mode !== 'non-blocking') throw invalidArgument("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    try {
      ramInBytes(buffer);
    } catch (err) {
      throw invalidArgument(`error parsing option max-buffer-size: ${(err as Error).message}`);
    }
  }
  if (type !== 'json-file') {
    if (OTHER_DOCKER_DRIVERS.has(type)) throw invalidArgument(`log driver "${type}" is not available in wharf: use json-file (the default) or none`);
    throw invalidArgument(`error looking up logging plugin ${type}: plugin "${type}" not found`);
  }
  for (const k of Object.keys(cfg)) {
    if (!JSON_FILE_OPTS.has(k) && !COMMON_OPTS.has(k)) throw invalidArgument(`unknown log opt '${k}' for json-file log driver`);
  }
  const warnings: string[] = [];
  // The shim writes the log as it reads the output: the container waits for a slow disk, as in
  // blocking mode, and no output is dropped.
  if (mode === 'non-blocking') warnings.push('log mode non-blocking is not supported: the log is written in blocking mode');
  if (cfg.compress !== undefined && safeParseBool(cfg.compress) === true) {
    warnings.push('log option compress is not supported: rotated log files are kept uncompressed');
  }
  return warnings;
}

/**
 * What the shim needs for the container's log, read at start: json-file (with Docker's
 * `max-size`/`max-file` rotation) or `none` (no log). A bad value fails the start as dockerd's
 * does (500 `failed to initialize logging driver: …`); the container stays, created.
 */
export function shimLogOptions(h: HostConfig, logPath: string): ShimLogOptions | undefined {
  if ((h.LogConfig?.Type || 'json-file') === 'none') return undefined;
  const cfg = h.LogConfig?.Config ?? {};
  try {
    const opts: ShimLogOptions = { path: logPath };
    const size = cfg['max-size'];
    if (size !== undefined && size !== '-1') opts.maxSize = ramInBytes(size);
    const files = cfg['max-file'];
    if (files !== undefined) {
      const n = goAtoi(files);
      if (n < 1) throw new Error('max-file cannot be less than 1');
      opts.maxFiles = n;
    }
    if (cfg.compress !== undefined) goParseBool(cfg.compress);
    return opts;
  } catch (err) {
    throw internal(`failed to initialize logging driver: ${(err as Error).message}`);
  }
}

/** Go's strconv.Atoi, with its messages. */
function goAtoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** Go's strconv.ParseBool, with its message. */
function goParseBool(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(s)}: invalid syntax`);
}

function safeParseBool(s: string): boolean | undefined {
  try {
    return goParseBool(s);
  } catch {
    return undefined;
  }
}
