/**
 * The driver options of Docker's `local` volume driver (`--opt type=… --opt o=… --opt device=…`,
 * `--opt size=…`), checked with dockerd's messages (moby volume/local/local_unix.go).
 */
import { invalidArgument } from '../../errdefs/index.js';
import { ramInBytes } from '../../lib/go-units.js';

const VALID = new Set(['type', 'o', 'device', 'size']);
/** Each option and the ones it needs; checked in this order (Go walks a map, so dockerd's order varies). */
const MANDATORY: ReadonlyArray<[string, string[]]> = [
  ['device', ['type']],
  ['type', ['device']],
  ['o', ['device', 'type']],
];

/** go-units RAMInBytes (src/lib/go-units.ts), its error as InvalidArgument. */
function sizeInBytes(value: string): number {
  try {
    return ramInBytes(value);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
}

/**
 * Throws InvalidArgument for options the local driver refuses. `size` asks for an xfs project
 * quota, which Wharf does not set up: dockerd without quota support refuses any size above 0.
 */
export function validateLocalOptions(options: Record<string, string> | null): void {
  if (!options || Object.keys(options).length === 0) return;
  for (const k of Object.keys(options)) if (!VALID.has(k)) throw invalidArgument(`invalid option: "${k}"`);
  for (const [opt, needs] of MANDATORY) {
    if (!(opt in options)) continue;
    for (const n of needs) if (!(n in options)) throw invalidArgument(`missing required option: "${n}"`);
  }
  if (options.size !== undefined && sizeInBytes(options.size) > 0) throw invalidArgument('quota size requested but no quota support');
}

/** Whether the options call for a mount (`type`/`device` given), as opposed to a plain directory. */
export function hasMountOptions(options: Record<string, string> | null): boolean {
  return Boolean(options && (options.type !== undefined || options.device !== undefined));
}

/**
 * The `mount` arguments for the options: `-t TYPE [-o O] DEVICE TARGET`. util-linux mount parses
 * `o` as mount(8) does (bind, ro, size=…), which is what Docker's mount package emulates; for
 * nfs/cifs it also resolves an `addr=` host name, which dockerd does itself before mount(2).
 */
export function mountArgs(options: Record<string, string>, target: string): string[] {
  const args = ['-t', options.type ?? 'none'];
  if (options.o) args.push('-o', options.o);
  args.push(options.device ?? '', target);
  return args;
}
