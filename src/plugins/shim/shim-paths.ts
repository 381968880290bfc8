/**
 * Where wharf-shim keeps its files. A shim's state dir is per container (or per exec,
 * `<container state dir>/exec-<id>`); see docs/shim-protocol.md, "Invocation".
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
 * The shim binary that the build puts beside the compiled tree (`<outDir>/wharf-shim`, normally
 * dist/wharf-shim). Running from a compiled tree, that is two levels above this module; running
 * from src/ through tsx there is none, so the package's dist/wharf-shim is used.
 */
export function defaultShimPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.resolve(here, '../../wharf-shim');
  return existsSync(sibling) ? sibling : path.resolve(here, '../../../dist/wharf-shim');
}
