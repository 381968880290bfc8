/**
 * moby's ensureShared / ensureSharedOrSlave: a bind with shared (slave) propagation only works
 * when the mount holding its source on the host is itself shared (or a slave), so dockerd checks
 * that at start and refuses with `path X is mounted on M but it is not a shared mount`.
 */
import { promises as fs } from 'node:fs';
import { internal } from '../../../errdefs/index.js';
import { unescapeMountinfo } from '../../../plugins/snapshots/mount.js';

/** The mount holding a host path: its mount point and its mountinfo optional fields (`shared:N master:M`). */
export interface SourceMount {
  mountpoint: string;
  optional: string[];
}

/** Whether mount point `mp` is `p` or one of its parents. */
const holds = (mp: string, p: string) => mp === '/' || p === mp || p.startsWith(`${mp}/`);

/** moby getSourceMount: the deepest mount (last mounted wins on ties) whose mount point holds the resolved `source`. */
export async function sourceMount(source: string): Promise<SourceMount> {
  const real = await fs.realpath(source);
  let best: SourceMount | undefined;
  for (const line of (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 6) continue;
    const mountpoint = unescapeMountinfo(fields[4]!);
    if (!holds(mountpoint, real)) continue;
    if (!best || mountpoint.length >= best.mountpoint.length) best = { mountpoint, optional: fields.slice(6, sep) };
  }
  if (!best) throw internal(`Could not find source mount of ${source}`);
  return best;
}

/** moby ensureShared: 500 `path X is mounted on M but it is not a shared mount`. */
export async function ensureShared(source: string): Promise<void> {
  const m = await sourceMount(source);
  if (!m.optional.some((o) => o.startsWith('shared:'))) throw internal(`path ${source} is mounted on ${m.mountpoint} but it is not a shared mount`);
}

/** moby ensureSharedOrSlave: also a slave (`master:`) will do. */
export async function ensureSharedOrSlave(source: string): Promise<void> {
  const m = await sourceMount(source);
  if (!m.optional.some((o) => o.startsWith('shared:') || o.startsWith('master:'))) {
    throw internal(`path ${source} is mounted on ${m.mountpoint} but it is not a shared or slave mount`);
  }
}
