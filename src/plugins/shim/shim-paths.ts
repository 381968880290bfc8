/**
 * Where wharf-shim keeps its files. A shim's state dir is per container (or per exec,
 * `<container state dir>/exec-<id>`); see docs/shim-protocol.md, "Invocation".
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Names of the files in a shim's state dir. */
export const ShimFiles = {
  /** The attach socket (stream, frames). */
  attachSocket: 'attach.sock',
  /** Written at exit: `{"exitCode","signal","exitedAt"}`. */
  exit: 'exit.json',
  /** The shim's own pid, written once it has detached. */
  shimPid: 'shim.pid',
  /** The container's (or exec'd process's) host pid, written by the runtime. */
  initPid: 'init.pid',
  /** The runtime's JSON log (`--log`). */
  runtimeLog: 'runtime.log',
  /** The shim's own diagnostics (its stderr). */
  shimLog: 'shim.log',
} as const;

/**
 * The shim binary that `npm run build` produces (dist/wharf-shim). Resolved from this module so
 * it is the same file whether this runs from src/ (tsx) or from dist/ (compiled): both are three
 * levels below the package root.
 */
export function defaultShimPath(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/wharf-shim');
}
