import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { internal } from '../../errdefs/index.js';
import { runCommand } from '../exec-file.js';
import { prefixesOf } from './secure-path.js';

/** A device node or fifo to create (Node has no mknod(2): these go to the `mknod` program). */
export interface NodeRequest {
  rel: string;
  kind: 'c' | 'b' | 'p';
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

/**
 * Small files and symlinks being created at once: enough to keep the libuv threadpool (4 threads)
 * busy. Measured: 32 gave no more throughput, only more memory held in buffered bodies.
 */
const MAX_INFLIGHT = 8;

/**
 * The work of a layer apply that does not happen in entry order:
 * - operations that need a child process — device nodes and fifos (`mknod`) and extended
 *   attributes (`setfattr`) — are batched, so a layer costs a few spawns, not one per entry;
 * - small files and symlinks are created concurrently (up to MAX_INFLIGHT) — creating an inode
 *   is most of their cost —, so filesystem latency overlaps and the tar stream does not wait.
 *
 * Ordering stays correct because the applier calls {@link DeferredOps.touches} before every path
 * it handles and flushes first when that path is pending, passes through a pending node or file
 * (which must exist before the path can be checked), or has pending work beneath it (it may be
 * replaced or removed). So every deferred operation runs while the parents of its path are still
 * the directories that were checked when it was queued.
 */
export class DeferredOps {
  private nodes: NodeRequest[] = [];
  private xattrs: { rel: string; name: string; value: Buffer }[] = [];
  private pending = new Set<string>();
  /** Pending paths that must exist before anything beneath them is looked at (nodes, files). */
  private pendingNodes = new Set<string>();
  private pendingAncestors = new Set<string>();
  private whiteoutTemplate?: string;
  private readonly inflight = new Set<Promise<void>>();
  private failure?: { err: unknown };

  constructor(
    private readonly root: string,
    private readonly warn: (msg: string) => void,
  ) {}

  private abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  private mark(rel: string, mustExistFirst: boolean): void {
    this.pending.add(rel);
    if (mustExistFirst) this.pendingNodes.add(rel);
    for (const p of prefixesOf(rel)) if (p !== rel) this.pendingAncestors.add(p);
  }

  /**
   * True when handling an entry at `rel` must wait for a flush: `rel` itself is pending (it is
   * about to be replaced), an ancestor of it is a node not yet made (its parent must exist
   * first), or something pending lies under it (it may be replaced or removed).
   */
  touches(rel: string): boolean {
    if (this.pending.size === 0) return false;
    if (this.pending.has(rel) || this.pendingAncestors.has(rel)) return true;
    if (this.pendingNodes.size === 0) return false;
    for (const p of prefixesOf(rel)) if (this.pendingNodes.has(p)) return true;
    return false;
  }

  /** True when a pending path lies at or under `dir` (`''`: anywhere). */
  hasPendingWithin(dir: string): boolean {
    if (dir === '') return this.pending.size > 0;
    return this.pending.has(dir) || this.pendingAncestors.has(dir);
  }

  /**
   * Starts `task`, which creates the file or symlink at `rel` (replacing what is there), and
   * returns once fewer than MAX_INFLIGHT tasks run. A task's failure is rethrown by the next run,
   * flush or settle.
   */
  async run(rel: string, task: () => Promise<void>): Promise<void> {
    this.check();
    this.mark(rel, true);
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        this.failure ??= { err };
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
    while (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure.err;
  }

  /** Waits for every running task; rethrows the first failure. Also used before giving up. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    this.check();
  }

  mknod(req: NodeRequest): void {
    this.nodes.push(req);
    this.mark(req.rel, true);
  }

  setXattr(rel: string, name: string, value: Buffer): void {
    this.xattrs.push({ rel, name, value });
    this.mark(rel, false);
  }

  /**
   * Makes an overlay whiteout (a 0:0 character device) at `rel`. All whiteouts of a layer are
   * hard links to one template node made once with mknod: overlayfs only checks the inode type
   * and rdev (the kernel itself shares one whiteout inode the same way), and link(2) is a
   * syscall where mknod would be a process per whiteout.
   */
  async whiteout(rel: string): Promise<void> {
    if (!this.whiteoutTemplate) {
      const tpl = `${this.root}/.wharf-whiteout-${randomBytes(6).toString('hex')}`;
      await runCommand('mknod', ['-m', '000', tpl, 'c', '0', '0']);
      this.whiteoutTemplate = tpl;
    }
    await fs.link(this.whiteoutTemplate, this.abs(rel));
  }

  /** Completes everything pending: running writes, then nodes (xattrs may be on them), then xattrs. */
  async flush(): Promise<void> {
    await this.settle();
    const nodes = this.nodes;
    const xattrs = this.xattrs;
    this.nodes = [];
    this.xattrs = [];
    this.pending.clear();
    this.pendingNodes.clear();
    this.pendingAncestors.clear();
    if (nodes.length > 0) await this.makeNodes(nodes);
    if (xattrs.length > 0) await this.applyXattrs(xattrs);
  }

  /** Flushes and removes the whiteout template; call once at the end of a successful apply. */
  async finish(): Promise<void> {
    await this.flush();
    if (this.whiteoutTemplate) await fs.rm(this.whiteoutTemplate, { force: true });
  }

  private async makeNodes(nodes: NodeRequest[]): Promise<void> {
    // One shell runs every mknod of the batch: one spawn from Node instead of one per node.
    const lines = nodes.map((n) => {
      const dev = n.kind === 'p' ? '' : ` ${n.major} ${n.minor}`;
      return `mknod -m ${(n.mode & 0o7777).toString(8)} -- ${shellQuote(this.abs(n.rel))} ${n.kind}${dev}`;
    });
    await runCommand('sh', ['-e', '-s'], { input: `${lines.join('\n')}\n` });
    for (const n of nodes) {
      const p = this.abs(n.rel);
      await fs.lchown(p, n.uid, n.gid);
      // chown clears setuid/setgid, so the mode is set again after it.
      if (n.mode & 0o7000) await fs.chmod(p, n.mode & 0o7777);
      await fs.lutimes(p, n.atime, n.mtime);
    }
  }

  private async applyXattrs(xattrs: { rel: string; name: string; value: Buffer }[]): Promise<void> {
    // setfattr --restore takes getfattr's dump format; -h sets attributes on symlinks themselves
    // instead of following them.
    const dump = xattrs
      .map((x) => `# file: ${dumpQuote(Buffer.from(this.abs(x.rel)))}\n${dumpQuote(Buffer.from(x.name))}=0s${x.value.toString('base64')}\n`)
      .join('\n');
    const res = await runCommand('setfattr', ['-h', '--restore=-'], { input: `${dump}\n`, check: false });
    if (res.code === 0) return;
    // Like Docker, an xattr the filesystem does not support (ENOTSUP) or refuses (EPERM) is only
    // a warning; any other failure fails the layer.
    const lines = res.stderr.split('\n').filter((l) => l.trim() !== '');
    const fatal = lines.filter((l) => !/Operation not supported|Operation not permitted/.test(l));
    if (fatal.length > 0 || lines.length === 0) throw internal(`setting extended attributes failed: ${fatal.join('; ') || `exit ${res.code}`}`);
    for (const l of lines) this.warn(`ignoring extended attribute: ${l}`);
  }
}

/** Single-quotes a string for sh. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** getfattr's dump quoting: octal escapes for control bytes, backslash, '=', and non-ASCII. */
function dumpQuote(b: Buffer): string {
  let out = '';
  for (const c of b) {
    if (c <= 0x20 || c >= 0x7f || c === 0x5c || c === 0x3d) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out;
}
