import { promises as fs } from 'node:fs';
import { errnoCode, invalidArgument, unavailable } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { packEntries, type RootfsEntry } from './pack-entries.js';
import { sourceDateEpoch } from './source-date-epoch.js';

/** Where Debian's busybox-static installs its binary. */
export const DEFAULT_BUSYBOX = '/usr/bin/busybox';

const INSTALL_HINT = 'install it with: apt-get install busybox-static';

/**
 * The directories of the image, as in Docker Hub's busybox image (root's home is private, /tmp
 * is world-writable with the sticky bit). Parents of applet links are added as needed.
 */
const DIRS: ReadonlyArray<[string, number]> = [
  ['bin', 0o755],
  ['dev', 0o755],
  ['etc', 0o755],
  ['home', 0o755],
  ['proc', 0o755],
  ['root', 0o700],
  ['sbin', 0o755],
  ['sys', 0o755],
  ['tmp', 0o1777],
  ['usr', 0o755],
  ['usr/bin', 0o755],
  ['usr/sbin', 0o755],
  ['var', 0o755],
];

/** The account files of Docker Hub's busybox image (buildroot's skeleton), trimmed to the accounts daemons use. */
const PASSWD = ['root:x:0:0:root:/root:/bin/sh', 'daemon:x:1:1:daemon:/usr/sbin:/bin/false', 'nobody:x:65534:65534:nobody:/home:/bin/false', ''].join('\n');
const GROUP = ['root:x:0:', 'daemon:x:1:', 'nogroup:x:65534:', ''].join('\n');

/**
 * True when an ELF binary has no program interpreter (PT_INTERP), i.e. is statically linked and
 * can run in an image that has no C library. A dynamic busybox would copy fine and then fail
 * with "no such file or directory" at `docker run` — so we refuse it here.
 */
export function isStaticElf(buf: Buffer): boolean {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw invalidArgument('not an ELF binary');
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = is64 ? Number(le ? buf.readBigUInt64LE(0x20) : buf.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const PT_INTERP = 3;
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) throw invalidArgument('truncated ELF program headers');
    if (u32(off) === PT_INTERP) return false;
  }
  return true;
}

/** The applet paths busybox installs (`busybox --list-full`), relative, without busybox itself. */
export async function listApplets(busybox: string): Promise<string[]> {
  const { stdout } = await runCommand(busybox, ['--list-full']);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'bin/busybox' && l.includes('/')); // `linuxrc` is for initrds only
}

/**
 * The entries of a busybox root filesystem: the binary at /bin/busybox, one absolute symlink to it
 * per applet (what `busybox --install -s` makes), the account files and the standard directories.
 */
export function busyboxEntries(binary: Buffer, applets: readonly string[]): RootfsEntry[] {
  const entries: RootfsEntry[] = DIRS.map(([path, mode]) => ({ type: 'directory', path, mode }));
  const dirs = new Set(DIRS.map(([p]) => p));
  const files = new Set(['bin/busybox', 'etc/passwd', 'etc/group']);
  entries.push({ type: 'file', path: 'bin/busybox', mode: 0o755, data: binary });
  entries.push({ type: 'file', path: 'etc/passwd', mode: 0o644, data: Buffer.from(PASSWD) });
  entries.push({ type: 'file', path: 'etc/group', mode: 0o644, data: Buffer.from(GROUP) });
  for (const applet of new Set(applets)) {
    if (files.has(applet) || dirs.has(applet)) continue;
    const parts = applet.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ type: 'directory', path: dir, mode: 0o755 });
      }
    }
    entries.push({ type: 'symlink', path: applet, target: '/bin/busybox' });
  }
  return entries;
}

export interface BusyboxRootfs {
  /** The uncompressed rootfs tar (the image's only layer). */
  tar: Buffer;
  /** The timestamp every entry carries; also the image's creation time. */
  created: Date;
  /** How many applet links it holds. */
  applets: number;
}

/**
 * Builds a busybox root filesystem tar in memory from a static busybox binary. Reproducible: the
 * timestamp is SOURCE_DATE_EPOCH when set, else the binary's mtime (its package's build date), so
 * the same binary always yields the same bytes.
 */
export async function buildBusyboxRootfs(opts: { busybox?: string; env?: NodeJS.ProcessEnv } = {}): Promise<BusyboxRootfs> {
  const busybox = opts.busybox ?? DEFAULT_BUSYBOX;
  let binary: Buffer;
  let mtime: Date;
  try {
    [binary, mtime] = await Promise.all([fs.readFile(busybox), fs.stat(busybox).then((s) => s.mtime)]);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw unavailable(`${busybox} not found: Debian's busybox-static package provides it`, { hint: INSTALL_HINT, cause: err });
    throw err;
  }
  if (!isStaticElf(binary)) throw invalidArgument(`${busybox} is dynamically linked and cannot run alone in an image: use Debian's busybox-static`, { hint: INSTALL_HINT });
  const applets = await listApplets(busybox);
  const created = sourceDateEpoch(opts.env ?? process.env) ?? mtime;
  const tar = await packEntries(busyboxEntries(binary, applets), created);
  return { tar, created: new Date(Math.floor(created.getTime() / 1000) * 1000), applets: applets.length };
}
