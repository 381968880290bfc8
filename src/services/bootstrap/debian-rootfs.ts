import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { canceled, errnoCode, forbidden, internal, unavailable } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { debianPackFilter } from './debian-filter.js';
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
}

export interface DebianRootfs {
  layer: LayerSource;
  /** The clamp time of every entry; also the image's creation time. */
  created: Date;
}

/** Unmounts everything mounted at or below `dir`, deepest first (debootstrap mounts /proc, /sys and maybe /dev in the target). */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  // Lazy: a process still inside the chroot must not keep the host's /dev bound into a tree we
  // are about to delete — after `umount -l` the tree no longer reaches it.
  for (const p of points) await runCommand('umount', ['-l', p], { check: false });
}

/** The `Date:` of the suite's Release file that debootstrap fetched: the archive's own timestamp. */
export async function releaseDate(rootfs: string): Promise<Date | undefined> {
  const lists = path.join(rootfs, 'var/lib/apt/lists');
  const names = await fs.readdir(lists).catch(() => [] as string[]);
  for (const name of names.filter((n) => /_(In)?Release$/.test(n)).sort()) {
    const text = await fs.readFile(path.join(lists, name), 'utf8');
    const m = /^Date:\s*(.+)$/m.exec(text);
    const when = m ? new Date(m[1]!.trim()) : undefined;
    if (when && !Number.isNaN(when.getTime())) return when;
  }
  return undefined;
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
  const args = ['--variant=minbase', opts.suite, rootfs, opts.mirror];
  opts.progress(`debootstrap ${args.join(' ')}`);
  const child = spawn(opts.debootstrap ?? 'debootstrap', args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
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
 * layer tar in `workDir` (see debianPackFilter for what is left out). Every mtime is clamped to
 * SOURCE_DATE_EPOCH, else to the Date of the archive's Release file, so packing is reproducible
 * for a given archive state. Needs root and the network to the mirror; takes a minute or so.
 */
export async function buildDebianRootfs(opts: DebianRootfsOptions): Promise<DebianRootfs> {
  await checkPrerequisites(opts);
  const rootfs = path.join(opts.workDir, 'rootfs');
  try {
    await runDebootstrap(opts, rootfs);
  } finally {
    await unmountUnder(rootfs);
  }
  const created = sourceDateEpoch(opts.env ?? process.env) ?? (await releaseDate(rootfs)) ?? new Date();
  opts.progress('packing the root filesystem');
  const layerPath = path.join(opts.workDir, 'layer.tar');
  const { diffId, size } = await packTree(rootfs, createWriteStream(layerPath), { filter: debianPackFilter, clampMtime: created });
  opts.progress(`layer ${diffId} (${(size / 1e6).toFixed(1)} MB)`);
  return { layer: { diffId, size, open: () => createReadStream(layerPath) }, created };
}
