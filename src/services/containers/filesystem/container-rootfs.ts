import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { MountSpec } from '../../../core/snapshots/snapshotter.js';
import { isKind } from '../../../errdefs/index.js';
import { runCommand } from '../../../lib/exec-file.js';
import { plainTree, type ScopedTree, secureJoin } from '../../../lib/tar/secure-join.js';
import { isMountpoint, mountAll, unmountAll } from '../../../plugins/snapshots/mount.js';
import type { ContainerFsDeps, ContainerMount } from './fs-deps.js';

/** Scratch files naming a container frozen by an operation in progress. */
const FROZEN_SUFFIX = '.frozen';

/** Read-only access, or read-write (extracting into the container). */
export type RootfsAccess = 'read' | 'write';

/** A container's root filesystem, reachable from the daemon for the length of one operation. */
export interface RootfsView {
  rec: ContainerRecord;
  /** Host directory where the container's `/` is, with the container's mounts on it. */
  root: string;
  /** The same as a scoped tree (container paths resolved inside `root`). */
  tree: ScopedTree;
  /** The container's mounts (for read-only checks). */
  mounts: ContainerMount[];
}

/**
 * Gives operations such as `docker cp` and `docker export` a container's root filesystem as its
 * processes see it: a private mount under the scratch directory of the live overlay of a running
 * container (a bind of `<bundle>/rootfs`) or, for a stopped one, of its snapshot, with the
 * container's mounts (/etc/hosts & co., later volumes) bound on top, as dockerd mounts a
 * container's volumes into its base filesystem for an archive operation. All of it is unmounted
 * afterwards.
 *
 * The view is made private before anything is bound onto it, so the binds never propagate into
 * the container's own mount namespace. Mount targets are resolved inside the container: a
 * symlinked `/etc/resolv.conf` cannot make the daemon mount over a host path.
 *
 * While an operation runs it holds the container's lifecycle lock (as dockerd holds the container
 * lock for archive operations), so the container cannot start, be recorded as exited (which
 * unmounts its rootfs) or be removed underneath it. A running container is also frozen: its
 * processes could otherwise swap a path component for a symlink between our in-container
 * resolution and the use of the host path (CVE-2018-15664, the symlink-exchange race); dockerd
 * avoids it by running the archive code chrooted, which Node cannot do.
 */
export class ContainerRootfs {
  private constructor(private readonly deps: ContainerFsDeps) {}

  /**
   * Builds it and undoes what a crash in the middle of an operation left: containers still frozen
   * (their freeze markers) are thawed, temporary mounts unmounted and removed. Call after the
   * lifecycle restored its containers.
   */
  static async open(deps: ContainerFsDeps): Promise<ContainerRootfs> {
    await fs.mkdir(deps.scratchDir, { recursive: true, mode: 0o700 });
    for (const name of await fs.readdir(deps.scratchDir)) {
      const entry = path.join(deps.scratchDir, name);
      if (name.endsWith(FROZEN_SUFFIX)) {
        const id = (await fs.readFile(entry, 'utf8')).trim();
        const rec = id ? deps.containers.find(id) : undefined;
        if (rec?.state.status === 'running') await deps.thaw(id).catch((err) => deps.warn?.('thawing a container left frozen failed', { id, err: String(err) }));
      } else await unmountAll(entry);
      await fs.rm(entry, { recursive: true, force: true });
    }
    return new ContainerRootfs(deps);
  }

  /**
   * Runs `fn` with the rootfs of `idOrName` (NotFound `No such container: X` when unknown).
   * `containerMounts: false` leaves every mount of the container out — binds, volumes and the
   * /etc files — (export: the container's own filesystem, image and init layer under its rw
   * layer, as dockerd's export mounts only the container's layer).
   */
  async use<T>(idOrName: string, access: RootfsAccess, fn: (view: RootfsView) => Promise<T>, opts: { containerMounts?: boolean } = {}): Promise<T> {
    const { id } = this.deps.containers.get(idOrName);
    return this.deps.withLock(id, async () => {
      // Looked up again under the lock: it may have been removed while we waited.
      const rec = this.deps.containers.get(id);
      const liveRoot = path.join(this.deps.containers.bundleDir(id), 'rootfs');
      const hasProcess = rec.state.status === 'running' || rec.state.status === 'paused';
      const live = hasProcess && (await isMountpoint(liveRoot));
      const base: MountSpec[] = live ? [{ type: 'bind', source: liveRoot, options: ['bind'] }] : await this.snapshotMounts(rec.snapshotKey, access);
      const run = () => this.mounted(rec, base, fn, { containerMounts: opts.containerMounts !== false, createTargets: access === 'write' });
      return live ? this.frozen(rec, run) : run();
    });
  }

  /**
   * Runs `fn` with the container's processes frozen (a paused container already is). A marker file
   * names the container while it is frozen, so that a daemon that dies meanwhile thaws it at its
   * next start (see open) instead of leaving it frozen behind a `running` state.
   */
  private async frozen<T>(rec: ContainerRecord, fn: () => Promise<T>): Promise<T> {
    if (rec.state.status !== 'running') return fn();
    const marker = path.join(this.deps.scratchDir, `${rec.id.slice(0, 12)}-${randomBytes(4).toString('hex')}${FROZEN_SUFFIX}`);
    await fs.writeFile(marker, rec.id);
    let froze = false;
    try {
      await this.deps.freeze(rec.id);
      froze = true;
    } catch (err) {
      // Its processes are gone (the exit is not recorded yet: we hold the lock): nothing can race.
      if (!isKind(err, 'Conflict') && !isKind(err, 'NotFound')) {
        await fs.rm(marker, { force: true });
        throw err;
      }
    }
    try {
      return await fn();
    } finally {
      if (froze) await this.deps.thaw(rec.id).catch((err) => this.deps.warn?.('thawing the container failed', { id: rec.id, err: String(err) }));
      await fs.rm(marker, { force: true });
    }
  }

  /** Mounts `base` and the container's mounts on a fresh directory for `fn`, then unmounts all. */
  private async mounted<T>(
    rec: ContainerRecord,
    base: MountSpec[],
    fn: (view: RootfsView) => Promise<T>,
    opts: { containerMounts: boolean; createTargets: boolean },
  ): Promise<T> {
    const target = path.join(this.deps.scratchDir, `${rec.id.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(target, { mode: 0o700 });
    try {
      // Mounted in the daemon's (host) mount namespace for this operation only; unmounted below
      // even when fn fails, and by open() after a crash.
      await mountAll(base, target);
      try {
        // Private before anything is bound onto it: a bind of a shared mount joins its peer group,
        // and binds onto a peer would propagate into the container.
        await runCommand('mount', ['--make-private', target]);
        const mounts = opts.containerMounts ? this.deps.mountsOf(rec) : [];
        await bindContainerMounts(target, mounts, opts.createTargets);
        return await fn({ rec, root: target, tree: plainTree(target), mounts });
      } finally {
        await unmountAll(target);
      }
    } finally {
      await fs.rmdir(target).catch(() => undefined);
    }
  }

  /**
   * A stopped container's snapshot. Reads use a read-only overlay of the rw layer over its
   * parents (no upper/work dir, so nothing of the container's snapshot is locked or written);
   * writes mount the snapshot itself.
   */
  private async snapshotMounts(key: string, access: RootfsAccess): Promise<MountSpec[]> {
    if (access === 'write') return this.deps.snapshots.mounts(key);
    const upper = this.deps.snapshots.writableDir(key);
    const lowers = await this.deps.snapshots.lowerDirs(key);
    if (lowers.length === 0) return [{ type: 'bind', source: upper, options: ['ro', 'bind'] }];
    // The rw layer as the top lower layer: overlayfs reads its whiteouts and opaque markers.
    return [{ type: 'overlay', source: 'overlay', options: ['ro', `lowerdir=${[upper, ...lowers].join(':')}`] }];
  }
}

/**
 * Binds the container's mounts onto the view at `root`, outermost first. A target is resolved
 * inside the container and must already exist with the source's type (file or directory); one
 * that does not (a symlink to nowhere, a file where a directory is mounted) is left as it is.
 * With `createTargets` (a write), the missing directory of a user's bind or volume is made first,
 * as dockerd's mountVolumes does, so a cp into a never-started container's volume path lands in
 * the volume; resolved inside the container, and only stopped containers lack their mount points.
 */
async function bindContainerMounts(root: string, mounts: readonly ContainerMount[], createTargets = false): Promise<void> {
  const tree = plainTree(root);
  for (const m of [...mounts].sort((a, b) => a.destination.length - b.destination.length)) {
    const src = await fs.stat(m.source).catch(() => undefined);
    if (!src) continue;
    let dst = await secureJoin(tree, m.destination);
    if (!dst.exists && createTargets && m.user && src.isDirectory()) {
      await fs.mkdir(dst.host, { recursive: true, mode: 0o755 });
      dst = await secureJoin(tree, m.destination);
    }
    const st = dst.exists ? await fs.lstat(dst.host) : undefined;
    if (!st || st.isSymbolicLink() || st.isDirectory() !== src.isDirectory()) continue;
    await mountAll([{ type: 'bind', source: m.source, options: m.readOnly ? ['rbind', 'ro'] : ['rbind'] }], dst.host);
  }
}

/** The mount a container path lies under, if any (for read-only checks). */
export function mountAt(mounts: readonly ContainerMount[], p: string): ContainerMount | undefined {
  return [...mounts].sort((a, b) => b.destination.length - a.destination.length).find((m) => p === m.destination || p.startsWith(`${m.destination}/`));
}

/**
 * The files dockerd bind-mounts into every container it manages the network of (its
 * NetworkMounts): resolv.conf, hostname and hosts from the container's directory.
 */
export function etcFileMounts(rec: ContainerRecord): ContainerMount[] {
  const files: Array<[string, string]> = [
    ['/etc/resolv.conf', rec.resolvConfPath],
    ['/etc/hostname', rec.hostnamePath],
    ['/etc/hosts', rec.hostsPath],
  ];
  return files.filter(([, source]) => source).map(([destination, source]) => ({ destination, source, readOnly: false }));
}
