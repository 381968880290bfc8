import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MountSpec } from '../../core/snapshots/snapshotter.js';
import { invalidArgument } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';

/**
 * Performs `mounts` (as a Snapshotter returns them) on `target`, in order. Node has no mount(2),
 * so this runs util-linux `mount`. A read-only bind is a bind followed by a read-only remount:
 * the kernel ignores MS_RDONLY on the first MS_BIND call.
 */
export async function mountAll(mounts: MountSpec[], target: string): Promise<void> {
  let mounted = 0;
  try {
    for (const m of mounts) {
      await mountOne(m, target);
      mounted++;
    }
  } catch (err) {
    // Leave nothing half-mounted behind.
    for (; mounted > 0; mounted--) await runCommand('umount', [target], { check: false });
    throw err;
  }
}

async function mountOne(m: MountSpec, target: string): Promise<void> {
  if (m.type === 'bind') {
    const recursive = m.options.includes('rbind');
    await runCommand('mount', [recursive ? '--rbind' : '--bind', m.source, target]);
    const flags = m.options.filter((o) => o !== 'bind' && o !== 'rbind' && o !== 'rw');
    if (flags.length === 0) return;
    try {
      await runCommand('mount', ['-o', `remount,bind,${flags.join(',')}`, target]);
    } catch (err) {
      await runCommand('umount', [target], { check: false });
      throw err;
    }
    return;
  }
  const opts = m.options.join(',');
  if (opts.length >= 4096) throw invalidArgument(`mount options for ${target} exceed one page (${opts.length} bytes)`);
  await runCommand('mount', ['-t', m.type, ...(opts ? ['-o', opts] : []), m.source, target]);
}

/**
 * Unmounts everything stacked on `target` (and below it); not mounted is not an error. A busy
 * mount is detached lazily (MNT_DETACH), as Docker does for container root filesystems.
 */
export async function unmountAll(target: string): Promise<void> {
  const abs = path.resolve(target);
  for (let i = 0; i < 64 && (await isMountpoint(abs)); i++) {
    const res = await runCommand('umount', ['-R', abs], { check: false });
    if (res.code !== 0) {
      if (!(await isMountpoint(abs))) break;
      await runCommand('umount', ['-R', '-l', abs]);
    }
  }
}

/** Whether `target` is a mount point now (from /proc/self/mountinfo). */
export async function isMountpoint(target: string): Promise<boolean> {
  const abs = path.resolve(target);
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp !== undefined && unescapeMountinfo(mp) === abs) return true;
  }
  return false;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Mount points at or under `dir` now, deepest (longest) first, from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const abs = path.resolve(dir);
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const found: string[] = [];
  for (const line of info.split('\n')) {
    const raw = line.split(' ')[4];
    if (raw === undefined) continue;
    const mp = unescapeMountinfo(raw);
    if (mp === abs || mp.startsWith(`${abs}/`)) found.push(mp);
  }
  return found.sort((a, b) => b.length - a.length);
}
