import { type BigIntStats, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { errnoCode, invalidArgument, notFound } from '../../../errdefs/index.js';
import { extractArchive } from '../../../lib/tar/extract-archive.js';
import { cleanScoped, secureJoin } from '../../../lib/tar/secure-join.js';
import { tarDirectory } from '../../../lib/tar/write-diff.js';
import { readUserDb, resolveUser } from '../oci-spec/user.js';
import { type ContainerRootfs, mountAt, type RootfsView } from './container-rootfs.js';
import { type ContainerFsDeps, containerEvent } from './fs-deps.js';
import { type ContainerPathStat, goFileMode, goTimeUTC } from './path-stat.js';

export interface ExtractRequest {
  /** Refuse to replace a directory with a non-directory and the reverse. */
  noOverwriteDirNonDir?: boolean;
  /** Own the extracted files by the container's user (`docker cp -a`) instead of the archive's owners. */
  copyUIDGID?: boolean;
}

/**
 * `docker cp` and `docker export` on a container's filesystem, with dockerd's path rules
 * (daemon/archive.go): the path is absolute in the container, a trailing `/` or `/.` is kept,
 * every directory component is resolved inside the container, and for stat and download the last
 * component is not followed (a symlink is reported and archived as a symlink) unless the path ends
 * in `/`. Errors: NotFound `Could not find the file P in container C` (P and C as the client gave them).
 */
export class ArchiveService {
  constructor(
    private readonly rootfs: ContainerRootfs,
    private readonly deps: ContainerFsDeps,
  ) {}

  /** `HEAD /containers/{id}/archive?path=`. */
  stat(idOrName: string, p: string): Promise<ContainerPathStat> {
    return this.rootfs.use(idOrName, 'read', async (view) => (await statPath(view, p, idOrName)).stat);
  }

  /**
   * `GET /containers/{id}/archive?path=`: stats the path, calls `start` with the stat (the caller
   * sends its headers), then writes the tar to what `start` returned and ends it.
   */
  archive(idOrName: string, p: string, start: (stat: ContainerPathStat) => Writable): Promise<void> {
    return this.rootfs.use(idOrName, 'read', async (view) => {
      const { stat, host, abs } = await statPath(view, p, idOrName);
      containerEvent(this.deps, view.rec, 'archive-path');
      // Entries are named after what the client asked for, not what it resolved to: `/foo/` that
      // is a symlink to /bar gives `foo/…`; `/tmp/.` gives `./…`; `/` gives `/`, `/bin`, ….
      const name = goBase(abs);
      await tarDirectory(host, start(stat), { rootName: name === '/' ? '' : name });
    });
  }

  /** `PUT /containers/{id}/archive?path=`: extracts `body` (a tar) into the directory `p`. */
  extract(idOrName: string, p: string, body: Readable, req: ExtractRequest = {}): Promise<void> {
    return this.rootfs.use(idOrName, 'write', async (view) => {
      // Unlike stat, the last component is followed: a symlink to a directory is a fine target.
      const dest = await secureJoin(view.tree, archivePath(p));
      const st = await lstatIn(dest.host, p, idOrName);
      if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
      const mount = mountAt(view.mounts, dest.scoped);
      if (mount?.readOnly) throw invalidArgument('mounted volume is marked read-only');
      if (!mount && view.rec.hostConfig.ReadonlyRootfs) throw invalidArgument('container rootfs is marked read-only');
      const user = view.rec.config.User;
      const chown = req.copyUIDGID && user ? resolveUser(user, [], await readUserDb(view.root)) : undefined;
      await extractArchive(body, view.tree, dest.scoped, {
        noOverwriteDirNonDir: req.noOverwriteDirNonDir,
        chown: chown && { uid: chown.uid, gid: chown.gid },
        warn: (m) => this.deps.warn?.(m, { id: view.rec.id }),
      });
      containerEvent(this.deps, view.rec, 'extract-to-dir');
    });
  }

  /** `GET /containers/{id}/export`: a tar of the whole root filesystem, names relative to `/`. */
  export(idOrName: string, open: () => Writable): Promise<void> {
    return this.rootfs.use(
      idOrName,
      'read',
      async (view) => {
        containerEvent(this.deps, view.rec, 'export');
        await tarDirectory(view.root, open());
      },
      { containerMounts: false },
    );
  }
}

/**
 * The client's path made absolute in the container, keeping what cleaning would lose (moby's
 * PreserveTrailingDotOrSeparator): a trailing `/` (the path must be a directory, and a symlink
 * there is followed) or `/.` (the directory's content rather than the directory).
 */
export function archivePath(p: string): string {
  let abs = cleanScoped(p);
  if (path.posix.basename(abs) !== '.' && path.posix.basename(p) === '.') abs = `${abs === '/' ? '' : abs}/.`;
  if (!abs.endsWith('/') && p.endsWith('/')) abs += '/';
  return abs;
}

/** Go's filepath.Base: the last element after trailing slashes are dropped; `/` for the root. */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * moby's ResolvePath + StatPath: the directory part of the path is resolved in the container, the
 * last element is kept as written, and lstat'ed; a symlink's linkTarget is the whole path resolved.
 */
async function statPath(view: RootfsView, p: string, idOrName: string): Promise<{ stat: ContainerPathStat; host: string; abs: string }> {
  const abs = archivePath(p);
  const cut = abs.lastIndexOf('/');
  const dir = await secureJoin(view.tree, abs.slice(0, cut + 1));
  const base = abs.slice(cut + 1);
  const host = base === '' || base === '.' ? dir.host : `${dir.host}/${base}`;
  const st = await lstatIn(host, p, idOrName);
  const linkTarget = st.isSymbolicLink() ? (await secureJoin(view.tree, abs)).scoped : '';
  const stat: ContainerPathStat = { name: goBase(abs), size: Number(st.size), mode: goFileMode(st), mtime: goTimeUTC(st.mtimeNs), linkTarget };
  return { stat, host, abs };
}

async function lstatIn(host: string, p: string, idOrName: string): Promise<BigIntStats> {
  try {
    return await fs.lstat(host, { bigint: true });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(`Could not find the file ${p} in container ${idOrName}`);
    throw err;
  }
}
