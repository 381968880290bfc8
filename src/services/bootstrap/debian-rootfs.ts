import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { canceled, errnoCode, forbidden, internal, unavailable } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { mountsUnder } from '../../plugins/snapshots/mount.js';
import { debianPackFilter } from './debian-filter.js';
import { fixupDebianTree } from './debian-fixup.js';
import type { LayerSource } from './image-archive.js';
import { packTree } from './pack-tree.js';
import { sourceDateEpoch } from './source-date-epoch.js';

export interface DebianRootfsOptions {
  /** A suite debootstrap knows: `bookworm`, `stable`, `sid`, … */
  suite: string;
  /** The Debian archive, e.g. `http://deb.debian.org/debian`. */
  mirror: string;
  /** An empty directory this call may fill (the tree and the layer tar); the caller removes it. */
  workDir: string;
  /** Receives one human-readable line per step. */
  progress(line: string): void;
  env?: NodeJS.ProcessEnv;
  /** Kills debootstrap when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Default: `debootstrap` on PATH. */
  debootstrap?: string;
  /** Where debootstrap keeps its per-suite scripts; default Debian's path. */
  scriptsDir?: string;
  /**
   * A directory where debootstrap keeps the .debs it downloads and reuses them next time
   * (`debootstrap --cache-dir`; created if missing). It verifies each against the archive's
   * checksums, so a cache never changes the result, only the download time.
   */
  cacheDir?: string;
}

export interface DebianRootfs {
  layer: LayerSource;
  /** The clamp time of every entry; also the image's creation time. */
  created: Date;
}

/** Unmounts everything mounted at or below `dir`, deepest first (debootstrap mounts /proc, /sys and maybe /dev in the target). */
export async function unmountUnder(dir: string): Promise<void> {
  const points = await mountsUnder(dir);
  // Lazy: a process still inside the chroot must not keep the host's /dev bound into a tree we
  // are about to delete — after `umount -l` the tree no longer reaches it.
  for (const p of points) await runCommand('umount', ['-l', p], { check: false });
}

/** Fields of the suite's Release file that debootstrap fetched (the archive state it installed from). */
export interface ReleaseFields {
  /** `Date:`, the archive's own timestamp. */
  date?: Date;
  /** `Version:`, the point release (`12.15`); testing and unstable have none. */
  version?: string;
}

/** Reads the `Date:` and `Version:` of the first (In)Release file in the tree's apt lists. */
export async function releaseFields(rootfs: string): Promise<ReleaseFields> {
  const lists = path.join(rootfs, 'var/lib/apt/lists');
  const names = await fs.readdir(lists).catch(() => [] as string[]);
  for (const name of names.filter((n) => /_(In)?Release$/.test(n)).sort()) {
    const text = await fs.readFile(path.join(lists, name), 'utf8');
    const m = /^Date:\s*(.+)$/m.exec(text);
    const date = m ? new Date(m[1]!.trim()) : undefined;
    if (date && !Number.isNaN(date.getTime())) return { date, version: /^Version:\s*(\S+)\s*$/m.exec(text)?.[1] };
  }
  return {};
}

/** The `Date:` of the suite's Release file that debootstrap fetched: the archive's own timestamp. */
export async function releaseDate(rootfs: string): Promise<Date | undefined> {
  return (await releaseFields(rootfs)).date;
}

/** Host variables debootstrap may use: where programs are, and how to reach the mirror. */
const PASSED_ENV = ['PATH', 'http_proxy', 'https_proxy', 'ftp_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'SOURCE_DATE_EPOCH'];

/**
 * The environment debootstrap runs in. Maintainer scripts in the chroot inherit it, so only what
 * is needed passes (PATH, proxies, SOURCE_DATE_EPOCH), with a fixed locale and time zone: the
 * host's LC_*, TZ, HOME and the rest must not reach the image, which would then depend on who
 * built it where.
 */
export function debootstrapEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { LC_ALL: 'C', LANG: 'C', TZ: 'UTC', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive' };
  for (const k of PASSED_ENV) if (env[k] !== undefined) out[k] = env[k];
  out.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return out;
}

async function checkPrerequisites(opts: DebianRootfsOptions): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw forbidden('bootstrapping a Debian image needs root (debootstrap chroots, creates device nodes and sets file ownership): run it as root', {
      hint: 'run it as root, e.g. sudo wharf image bootstrap debian:bookworm',
    });
  }
  const script = path.join(opts.scriptsDir ?? '/usr/share/debootstrap/scripts', opts.suite);
  try {
    await fs.access(script);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    throw unavailable(`debootstrap on this machine does not know the suite "${opts.suite}" (no ${script})`, {
      hint: 'install debootstrap (apt-get install debootstrap) or a newer one that knows the suite',
    });
  }
}

/** Runs debootstrap, forwarding its `I:`/`W:`/`E:` lines; keeps the tail of its output for errors. */
async function runDebootstrap(opts: DebianRootfsOptions, rootfs: string): Promise<void> {
  const args = ['--variant=minbase', ...(opts.cacheDir ? [`--cache-dir=${opts.cacheDir}`] : []), opts.suite, rootfs, opts.mirror];
  opts.progress(`debootstrap ${args.join(' ')}`);
  const child = spawn(opts.debootstrap ?? 'debootstrap', args, { stdio: ['ignore', 'pipe', 'pipe'], env: debootstrapEnv(opts.env ?? process.env) });
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (/^[IWE]: /.test(line)) opts.progress(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const abort = () => child.kill('SIGTERM');
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (e) => reject(unavailable(`cannot run debootstrap: ${e.message}`, { hint: 'apt-get install debootstrap', cause: e })));
      child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    });
    if (opts.signal?.aborted) throw canceled('debootstrap was interrupted');
    if (code !== 0) {
      const log = await fs.readFile(path.join(rootfs, 'debootstrap/debootstrap.log'), 'utf8').catch(() => '');
      const logTail = log.trim().split('\n').slice(-15).join('\n');
      throw internal(`debootstrap failed (exit ${code}):\n${tail.join('\n')}${logTail ? `\n--- debootstrap.log ---\n${logTail}` : ''}`);
    }
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

/**
 * Makes a minimal Debian root filesystem with `debootstrap --variant=minbase` and packs it as a
 * layer tar in `workDir`, reproducibly: the same archive state gives the same bytes on any day.
 * The clamp time is SOURCE_DATE_EPOCH, else the Date of the archive's Release file; every mtime
 * newer than it carries it, and so does /etc/shadow's password-change day (fixupDebianTree);
 * what differs between builds anyway is left out (debianPackFilter). Needs root and the network
 * to the mirror; takes a minute or so.
 */
export async function buildDebianRootfs(opts: DebianRootfsOptions): Promise<DebianRootfs> {
  await checkPrerequisites(opts);
  // Read (and checked) before a minute of debootstrap.
  const pinned = sourceDateEpoch(opts.env ?? process.env);
  // debootstrap refuses a cache dir that does not exist; a relative one would be taken inside the chroot.
  if (opts.cacheDir) await fs.mkdir(path.resolve(opts.cacheDir), { recursive: true });
  const rootfs = path.join(opts.workDir, 'rootfs');
  try {
    await runDebootstrap({ ...opts, cacheDir: opts.cacheDir && path.resolve(opts.cacheDir) }, rootfs);
  } finally {
    await unmountUnder(rootfs);
  }
  const release = await releaseFields(rootfs);
  const created = pinned ?? release.date ?? new Date();
  if (release.date) opts.progress(`archive: ${opts.suite}${release.version ? ` ${release.version}` : ''}, Release of ${release.date.toISOString()}`);
  else if (!pinned) opts.progress('W: no Release file in the tree: timestamps are clamped to now, so this image is not reproducible');
  await fixupDebianTree(rootfs, created);
  opts.progress('packing the root filesystem');
  const layerPath = path.join(opts.workDir, 'layer.tar');
  const { diffId, size } = await packTree(rootfs, createWriteStream(layerPath), { filter: debianPackFilter, clampMtime: created });
  opts.progress(`layer ${diffId} (${(size / 1e6).toFixed(1)} MB)`);
  return { layer: { diffId, size, open: () => createReadStream(layerPath) }, created };
}
