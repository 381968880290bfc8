/**
 * Docker's Linux mount parser (moby volume/mounts/linux_parser.go): `-v` specs (HostConfig.Binds),
 * `--mount` specs (HostConfig.Mounts), `--volumes-from` specs, and tmpfs options, with moby's
 * error texts. Pure: the one host fact it needs (does a bind source exist) comes in as a function.
 */
import path from 'node:path';
import type { MountPointRecord } from '../../../core/containers/mount-point.js';
import { internal, invalidArgument, type WharfError } from '../../../errdefs/index.js';
import type { Mount } from '../../../spec/engine/types.js';

/** moby's default for binds given without a propagation mode. */
export const DEFAULT_PROPAGATION = 'rprivate';

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATION_MODES = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared']);
const COPY_MODES = new Set(['nocopy']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

/** moby linuxValidMountMode: comma-separated modes, at most one of each family. */
export function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = [0, 0, 0, 0, 0];
  for (const o of mode.split(',')) {
    const family = [RW_MODES, LABEL_MODES, PROPAGATION_MODES, COPY_MODES, CONSISTENCY_MODES].findIndex((s) => s.has(o));
    if (family < 0) return false;
    counts[family]!++;
  }
  return counts.every((c) => c <= 1);
}

/** Go's path.Clean for the absolute paths it is used on here (no trailing slash, unlike Node's normalize). */
export function cleanPath(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

const modes = (mode: string) => (mode ? mode.split(',') : []);
/** Read-write unless the mode says `ro`. */
export const readWrite = (mode: string) => !modes(mode).includes('ro');
const propagationOf = (mode: string) => modes(mode).find((o) => PROPAGATION_MODES.has(o));
const copyModeOf = (mode: string) => modes(mode).find((o) => COPY_MODES.has(o));

/** The wrapper moby puts around a mount's validation error. */
function mountConfigError(m: Mount, msg: string): string {
  return `invalid mount config for type ${JSON.stringify(m.Type ?? '')}: ${msg}`;
}

const absoluteError = (p: string) => `invalid mount path: '${p}' mount path must be absolute`;

/**
 * moby validateMountConfigImpl: the reason a mount spec is invalid, or undefined. With
 * `sourceExists`, a bind's source must exist (`--mount`; `-v` creates a missing one at start).
 */
export function mountConfigProblem(m: Mount, sourceExists?: (p: string) => boolean): string | undefined {
  const fail = (msg: string) => mountConfigError(m, msg);
  const target = m.Target ?? '';
  if (target === '') return fail('field Target must not be empty');
  if (cleanPath(target) === '/') return fail("invalid specification: destination can't be '/'");
  if (!path.posix.isAbsolute(target)) return fail(absoluteError(target));
  const source = m.Source ?? '';
  switch (m.Type) {
    case 'bind': {
      if (source === '') return fail('field Source must not be empty');
      const prop = m.BindOptions?.Propagation;
      if (prop && !PROPAGATION_MODES.has(prop)) return fail(`invalid propagation mode: ${prop}`);
      if (m.VolumeOptions) return fail('field VolumeOptions must not be specified');
      if (!path.posix.isAbsolute(source)) return fail(absoluteError(source));
      if (sourceExists && !sourceExists(source)) return fail(`bind source path does not exist: ${source}`);
      return undefined;
    }
    case 'volume':
      if (m.BindOptions) return fail('field BindOptions must not be specified');
      if (source === '' && m.ReadOnly) return fail('must not set ReadOnly mode when using anonymous volumes');
      return undefined;
    case 'tmpfs':
      if (m.BindOptions) return fail('field BindOptions must not be specified');
      if (source !== '') return fail('field Source must not be specified');
      return undefined;
    default:
      return fail('mount type unknown');
  }
}

/**
 * `--mount` validation at create (moby verifyContainerSettings → ValidateMountConfig): 400 with
 * moby's text, e.g. `invalid mount config for type "bind": bind source path does not exist: /x`.
 */
export function validateMountSpec(m: Mount, sourceExists: (p: string) => boolean): void {
  const problem = mountConfigProblem(m, sourceExists);
  if (problem) throw invalidArgument(problem);
}

/** moby ValidateTmpfsMountDestination, for `--tmpfs` destinations at create: 400. */
export function validateTmpfsDestination(dest: string): void {
  if (cleanPath(dest) === '/') throw invalidArgument("invalid specification: destination can't be '/'");
  if (!path.posix.isAbsolute(dest)) throw invalidArgument(absoluteError(dest));
}

/** moby parseMountSpec: a validated spec as a mount point (volume name/source filled in later). */
function mountPointOf(m: Mount): MountPointRecord {
  const mp: MountPointRecord = {
    type: m.Type as MountPointRecord['type'],
    destination: cleanPath(m.Target ?? ''),
    source: '',
    name: '',
    driver: '',
    mode: '',
    rw: !m.ReadOnly,
    propagation: '',
    copyData: false,
    spec: m,
  };
  if (m.Type === 'volume') {
    // An empty name means an anonymous volume: the volume service picks the random name.
    mp.name = m.Source ?? '';
    mp.copyData = !m.VolumeOptions?.NoCopy;
    mp.driver = m.VolumeOptions?.DriverConfig?.Name ?? '';
  } else if (m.Type === 'bind') {
    mp.source = cleanPath(m.Source ?? '');
    mp.propagation = m.BindOptions?.Propagation || DEFAULT_PROPAGATION;
  }
  return mp;
}

/** A `--mount` spec as a mount point; InvalidArgument (400) when invalid. */
export function parseMountSpec(m: Mount): MountPointRecord {
  const problem = mountConfigProblem(m);
  if (problem) throw invalidArgument(problem);
  const mp = mountPointOf(m);
  // Docker never creates a `--mount` bind's source: it must exist (checked at create).
  if (mp.type === 'bind') mp.skipMountpointCreation = true;
  return mp;
}

const invalidSpec = (raw: string) => `invalid volume specification: '${raw}'`;

/**
 * moby ParseMountRaw: `-v [src:]dst[:mode]` as a mount point. An absolute source is a bind, any
 * other a volume name, none an anonymous volume. Errors are plain in moby, hence 500 (Internal).
 */
export function parseBind(raw: string, volumeDriver = ''): MountPointRecord {
  const arr = splitN(raw, ':', 4);
  if (arr[0] === '') throw internal(invalidSpec(raw));
  const spec: Mount = {};
  let mode = '';
  if (arr.length === 1) spec.Target = arr[0];
  else if (arr.length === 2) {
    // `/foo:rw` is a destination with a mode, which volumes cannot have.
    if (validMountMode(arr[1]!)) throw internal(invalidSpec(raw));
    spec.Source = arr[0];
    spec.Target = arr[1];
  } else if (arr.length === 3) {
    [spec.Source, spec.Target, mode] = arr as [string, string, string];
  } else throw internal(invalidSpec(raw));
  if (!validMountMode(mode)) throw internal(`invalid mode: ${mode}`);
  spec.Type = spec.Source !== undefined && path.posix.isAbsolute(spec.Source) ? 'bind' : 'volume';
  spec.ReadOnly = !readWrite(mode);
  if (volumeDriver && spec.Type === 'volume') spec.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (copyModeOf(mode)) spec.VolumeOptions = { ...spec.VolumeOptions, NoCopy: true };
  const prop = propagationOf(mode);
  if (prop) spec.BindOptions = { Propagation: prop as NonNullable<Mount['BindOptions']>['Propagation'] };
  const problem = mountConfigProblem(spec);
  if (problem) throw internal(`${invalidSpec(raw)}: ${problem}`);
  const mp = mountPointOf(spec);
  mp.mode = mode;
  return mp;
}

/** moby ParseVolumesFrom: `container[:mode]` → [container, mode] (mode `rw` by default). 400 when bad. */
export function parseVolumesFrom(spec: string): [string, string] {
  if (spec === '') throw invalidArgument('volumes-from specification cannot be an empty string');
  const [id = '', given] = splitN(spec, ':', 2);
  if (given === undefined) return [id, 'rw'];
  // Propagation and copy modes are the source container's to decide.
  if (!validMountMode(given) || propagationOf(given) || copyModeOf(given)) throw invalidArgument(`invalid mode: ${given}`);
  return [id, given];
}

/** moby ConvertTmpfsOptions: a tmpfs mount point's options as `--tmpfs` data (`ro,mode=1770,size=1m`). */
export function tmpfsData(m: Mount): string {
  const opts: string[] = [];
  if (m.ReadOnly) opts.push('ro');
  const t = m.TmpfsOptions;
  if (t?.Mode) opts.push(`mode=${t.Mode.toString(8)}`);
  if (t?.SizeBytes) {
    // The largest unit that divides the size evenly, as moby writes it.
    const unit = ([['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const).find(([, d]) => t.SizeBytes! % d === 0);
    opts.push(unit ? `size=${t.SizeBytes / unit[1]}${unit[0]}` : `size=${t.SizeBytes}`);
  }
  return opts.join(',');
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** `Duplicate mount point: /x` (400), for two mounts on one destination. */
export function duplicateMountPoint(destination: string): WharfError {
  return invalidArgument(`Duplicate mount point: ${destination}`);
}
