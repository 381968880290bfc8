import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { MountSpec, Snapshotter } from '../../core/snapshots/snapshotter.js';
import { internal, invalidArgument } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { runCommand } from '../../lib/exec-file.js';
import { mountAll, unmountAll } from '../../plugins/snapshots/mount.js';
import type { CommandShell } from './command-shell.js';

/** Snapshot keys of the builder's working snapshots; leftovers of a crash are removed at start-up. */
export const BUILD_SNAPSHOT_PREFIX = 'build-';

/**
 * Performs a snapshot's mounts on `target`: a single overlay (or plain) mount goes through the
 * builder's command shell when there is one (see CommandShell for why); anything else — binds
 * that need a read-only remount — through mountAll.
 */
async function mountWith(shell: CommandShell | undefined, mounts: MountSpec[], target: string): Promise<void> {
  const only = mounts.length === 1 ? mounts[0]! : undefined;
  if (!shell || !only || only.type === 'bind') return mountAll(mounts, target);
  const opts = only.options.join(',');
  if (opts.length >= 4096) throw invalidArgument(`mount options for ${target} exceed one page (${opts.length} bytes)`);
  const r = await shell.run(['mount', '-t', only.type, ...(opts ? ['-o', opts] : []), only.source, target]);
  if (r.code !== 0) throw internal(`mount -t ${only.type} ${only.source} ${target} failed (exit ${r.code}): ${r.output.trim()}`);
}

/**
 * A writable root filesystem for a COPY/ADD/WORKDIR step: an active snapshot on the image's top
 * layer, mounted (overlay) under the builder's scratch dir so files land in its upper dir with
 * the image's symlinks and whiteouts seen as a container sees them. `release()` unmounts; the
 * snapshot (the step's changes) then goes to the StepCommitter, which consumes it.
 */
export class LayerWorkspace {
  private mounted = false;

  private constructor(
    readonly key: string,
    /** Where the root filesystem is mounted while the workspace is open. */
    readonly root: string,
    private readonly snapshots: Snapshotter,
    private readonly shell: CommandShell | undefined,
  ) {}

  static async open(snapshots: Snapshotter, parent: Digest | undefined, scratchDir: string, shell?: CommandShell): Promise<LayerWorkspace> {
    const key = `${BUILD_SNAPSHOT_PREFIX}${randomBytes(8).toString('hex')}`;
    const mounts = await snapshots.prepare(key, parent, { 'wharf.build': 'step' });
    const ws = new LayerWorkspace(key, path.join(scratchDir, key), snapshots, shell);
    try {
      await fs.mkdir(ws.root, { recursive: true, mode: 0o700 });
      // Mounted in the daemon's namespace; release() (or the start-up sweep after a crash)
      // unmounts it before the snapshot is committed or removed.
      await mountWith(shell, mounts, ws.root);
      ws.mounted = true;
    } catch (err) {
      await ws.discard();
      throw err;
    }
    return ws;
  }

  /** Unmounts the root filesystem; the snapshot stays for the commit. */
  async release(): Promise<void> {
    if (this.mounted) {
      // One overlay, mounted by us: a plain umount is enough; unmountAll (which inspects the
      // mount table and detaches lazily when busy) is the fallback.
      const res = this.shell ? await this.shell.run(['umount', this.root]) : await runCommand('umount', [this.root], { check: false });
      if (res.code !== 0) await unmountAll(this.root);
    }
    this.mounted = false;
    await fs.rmdir(this.root).catch(() => undefined);
  }

  /** Unmounts and removes the snapshot (a failed step). */
  async discard(): Promise<void> {
    await this.release();
    await this.snapshots.remove(this.key).catch(() => undefined);
  }
}
