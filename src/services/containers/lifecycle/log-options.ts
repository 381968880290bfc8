import { invalidArgument } from '../../../errdefs/index.js';
import type { HostConfig } from '../../../spec/engine/types.js';
import type { ShimLogOptions } from '../../../plugins/shim/spawn-shim.js';
import { ramInBytes } from '../../../lib/go-units.js';

/** Options the json-file driver accepts (moby daemon/logger/jsonfilelog ValidateLogOpt). */
const JSON_FILE_OPTS = new Set(['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag']);

/**
 * Validates LogConfig at create as dockerd does and returns what the shim needs: json-file (with
 * Docker's `max-size`/`max-file` rotation) or `none` (no log, as `--log-driver none`). Other
 * drivers are not available here.
 */
export function shimLogOptions(h: HostConfig, logPath: string): ShimLogOptions | undefined {
  const type = h.LogConfig?.Type || 'json-file';
  const cfg = h.LogConfig?.Config ?? {};
  if (type === 'none') return undefined;
  if (type !== 'json-file') throw invalidArgument(`logger: no log driver named '${type}' is registered`);
  for (const k of Object.keys(cfg)) {
    if (!JSON_FILE_OPTS.has(k)) throw invalidArgument(`unknown log opt '${k}' for json-file log driver`);
  }
  const opts: ShimLogOptions = { path: logPath };
  const size = cfg['max-size'];
  if (size !== undefined && size !== '-1') {
    try {
      opts.maxSize = ramInBytes(size);
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
  }
  const files = cfg['max-file'];
  if (files !== undefined) {
    const n = Number(files);
    if (!Number.isInteger(n) || n < 1) throw invalidArgument('max-file cannot be less than 1');
    if (n > 1 && !opts.maxSize) throw invalidArgument("max-file can only be used when max-size is set");
    opts.maxFiles = n;
  }
  return opts;
}
