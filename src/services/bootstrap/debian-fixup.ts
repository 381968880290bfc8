import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../../errdefs/index.js';

const DAY_SECONDS = 86_400;

/**
 * Clamps field 3 of each shadow(5) line — `sp_lstchg`, the day of the last password change,
 * which pwconv/useradd stamp with the day the tree was built — to `days`, if it is larger. Lines
 * without that field (comments, blanks) and dates already older are left alone; an empty field
 * ("aging disabled") stays empty.
 */
export function clampShadowLastChange(text: string, days: number): string {
  return text
    .split('\n')
    .map((line) => {
      const fields = line.split(':');
      if (fields.length < 3 || !/^\d+$/.test(fields[2]!)) return line;
      if (Number(fields[2]) <= days) return line;
      fields[2] = String(days);
      return fields.join(':');
    })
    .join('\n');
}

/**
 * Removes what a debootstrap tree records about the day it was built, beyond file mtimes (which
 * packTree clamps): the password-change day in /etc/shadow and /etc/shadow-, clamped to the day
 * of `epoch` (as debuerreotype does, https://bugs.debian.org/857803). Without it, the same
 * archive bootstrapped on two different days gives two different image IDs.
 *
 * Edits the tree in place; it is ours (a temp dir the caller removes). The files are rewritten,
 * not replaced, so their mode and owner (root:shadow 0640) stay; their new mtime is clamped when
 * packed like every other.
 */
export async function fixupDebianTree(rootfs: string, epoch: Date): Promise<void> {
  const days = Math.floor(epoch.getTime() / 1000 / DAY_SECONDS);
  for (const rel of ['etc/shadow', 'etc/shadow-']) {
    // O_NOFOLLOW: the tree's /etc/shadow must never lead us to write the host's /etc/shadow.
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path.join(rootfs, rel), constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ELOOP') continue;
      throw err;
    }
    try {
      if (!(await fh.stat()).isFile()) continue;
      const text = await fh.readFile('utf8');
      const fixed = clampShadowLastChange(text, days);
      if (fixed === text) continue;
      await fh.truncate(0);
      await fh.write(Buffer.from(fixed), 0, undefined, 0);
    } finally {
      await fh.close();
    }
  }
}
