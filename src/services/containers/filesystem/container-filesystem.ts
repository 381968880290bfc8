/**
 * The container filesystem use cases behind one object, in the shape of the routes' backend
 * (src/server/routes/container-fs.ts): `docker cp` (stat, download, upload), `docker diff`,
 * `docker export` and `docker commit`. The composition root builds one per daemon.
 */
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../../../lib/digest.js';
import type { ContainerChangeItem } from '../../../spec/engine/types.js';
import { ArchiveService, type ExtractRequest } from './archive-service.js';
import { containerChanges } from './changes.js';
import { type CommitDeps, type CommitRequest, commitContainer } from './commit-container.js';
import { ContainerRootfs } from './container-rootfs.js';
import type { ContainerFsDeps } from './fs-deps.js';
import type { ContainerPathStat } from './path-stat.js';

export type ContainerFilesystemDeps = ContainerFsDeps & CommitDeps;

export class ContainerFilesystem {
  private readonly archives: ArchiveService;

  private constructor(
    private readonly deps: ContainerFilesystemDeps,
    rootfs: ContainerRootfs,
  ) {
    this.archives = new ArchiveService(rootfs, deps);
  }

  /** Builds it; removes temporary mounts a crash left behind. */
  static async open(deps: ContainerFilesystemDeps): Promise<ContainerFilesystem> {
    return new ContainerFilesystem(deps, await ContainerRootfs.open(deps));
  }

  statPath(idOrName: string, path: string): Promise<ContainerPathStat> {
    return this.archives.stat(idOrName, path);
  }

  archive(idOrName: string, path: string, start: (stat: ContainerPathStat) => Writable): Promise<void> {
    return this.archives.archive(idOrName, path, start);
  }

  extract(idOrName: string, path: string, body: Readable, req: ExtractRequest): Promise<void> {
    return this.archives.extract(idOrName, path, body, req);
  }

  export(idOrName: string, open: () => Writable): Promise<void> {
    return this.archives.export(idOrName, open);
  }

  /** `GET /containers/{id}/changes` (under the container's lock: it cannot be removed meanwhile). */
  async changes(idOrName: string): Promise<ContainerChangeItem[]> {
    const { id } = this.deps.containers.get(idOrName);
    return this.deps.withLock(id, async () => {
      const rec = this.deps.containers.get(id);
      const lowers = await this.deps.snapshots.lowerDirs(rec.snapshotKey);
      return containerChanges(this.deps.snapshots.writableDir(rec.snapshotKey), lowers);
    });
  }

  commit(req: CommitRequest): Promise<Digest> {
    return commitContainer(this.deps, req);
  }
}
