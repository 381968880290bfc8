/**
 * The engine's volumes over a {@link VolumeDriver}: names, references, mounts with their holder
 * counts, filters, prune, and Docker's volume events. Implements the contract in
 * src/core/volumes/volume.ts (read it for the container lifecycle this serves).
 */
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../core/events/events.js';
import type { StoredVolume, VolumeDriver } from '../../core/volumes/volume-driver.js';
import {
  type AcquireOptions,
  type CreateVolumeOptions,
  LOCAL_DRIVER,
  type PruneReport,
  type ReleaseOptions,
  type VolumeFilters,
  type VolumeRecord,
  type VolumeService,
  type VolumeUsage,
} from '../../core/volumes/volume.js';
import { conflict, internal, invalidArgument, notFound, WharfError } from '../../errdefs/index.js';
import type { Logger } from '../../lib/logger.js';
import { KeyedMutex } from '../containers/lifecycle/keyed-mutex.js';
import { listFilter, nameProblem, pruneFilter, rfc3339Local } from './volume-rules.js';

/** A volume in memory: its persisted part and, for options volumes, who holds it mounted. */
interface Entry {
  stored: StoredVolume;
  /** containerId → acquires not yet released. */
  holders: Map<string, number>;
}

export interface VolumeServiceDeps {
  driver: VolumeDriver;
  events: EventBus;
  log: Logger;
}

const total = (e: Entry) => [...e.holders.values()].reduce((a, b) => a + b, 0);

/** Prefixes a driver's InvalidArgument like dockerd's OpErr (`create NAME: …`). */
function opError(op: string, name: string, err: unknown): unknown {
  if (err instanceof WharfError && err.kind === 'InvalidArgument') return invalidArgument(`${op} ${name}: ${err.message}`, { cause: err });
  return err;
}

export class LocalVolumeService implements VolumeService {
  private readonly entries = new Map<string, Entry>();
  /** One lock per volume name: create, reference changes, mount counts and removal of one volume run one at a time. */
  private readonly locks = new KeyedMutex();
  private pruning = false;

  private constructor(private readonly deps: VolumeServiceDeps) {}

  /** Loads the driver's volumes. Call `reconcile` once the containers are restored. */
  static async open(deps: VolumeServiceDeps): Promise<LocalVolumeService> {
    const s = new LocalVolumeService(deps);
    for (const stored of await deps.driver.load()) s.entries.set(stored.name, { stored, holders: new Map() });
    return s;
  }

  private view(e: Entry): VolumeRecord {
    const v = e.stored;
    return {
      name: v.name,
      driver: LOCAL_DRIVER,
      mountpoint: this.deps.driver.mountpoint(v.name),
      createdAt: v.createdAt,
      labels: v.labels ? { ...v.labels } : null,
      options: v.options ? { ...v.options } : null,
      scope: 'local',
      anonymous: v.anonymous,
    };
  }

  private entry(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw notFound(`get ${name}: no such volume`);
    return e;
  }

  private event(action: string, name: string, attrs: Record<string, string>): void {
    this.deps.events.publish('volume', action, { ID: name, Attributes: attrs });
  }

  async create(opts: CreateVolumeOptions): Promise<VolumeRecord> {
    const driver = opts.driver || LOCAL_DRIVER;
    const name = opts.name || randomBytes(32).toString('hex');
    if (driver !== this.deps.driver.name) throw notFound(`create ${name}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const rec = await this.locks.run(name, async () => {
      let e = this.entries.get(name);
      if (!e) {
        const problem = nameProblem(name);
        if (problem) throw invalidArgument(`create ${name}: ${problem}`);
        const options = opts.driverOpts ?? null;
        try {
          this.deps.driver.validateOptions(options);
        } catch (err) {
          throw opError('create', name, err);
        }
        const stored: StoredVolume = {
          name,
          createdAt: rfc3339Local(new Date()),
          labels: opts.labels ?? null,
          options,
          anonymous: opts.anonymous ?? !opts.name,
          refs: opts.reference ? [opts.reference] : [],
        };
        await this.deps.driver.create(stored);
        e = { stored, holders: new Map() };
        this.entries.set(name, e);
      } else if (opts.reference) {
        await this.addRefLocked(e, opts.reference);
      }
      return this.view(e);
    });
    // dockerd logs `create` for every successful create call, an existing volume's too.
    this.event('create', name, { driver: LOCAL_DRIVER });
    return rec;
  }

  get(name: string): VolumeRecord {
    return this.view(this.entry(name));
  }

  find(name: string): VolumeRecord | undefined {
    const e = this.entries.get(name);
    return e && this.view(e);
  }

  list(filters?: VolumeFilters): VolumeRecord[] {
    const keep = listFilter(filters, (n) => (this.entries.get(n)?.stored.refs.length ?? 0) > 0);
    return [...this.entries.values()].map((e) => this.view(e)).filter(keep);
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const removed = await this.locks.run(name, async () => {
      const e = this.entries.get(name);
      if (!e) {
        if (opts.force) return false;
        throw notFound(`get ${name}: no such volume`);
      }
      await this.removeLocked(e, Boolean(opts.force));
      return true;
    });
    if (removed) this.event('destroy', name, { driver: LOCAL_DRIVER });
  }

  /** Removes an unreferenced volume; the caller holds its lock. */
  private async removeLocked(e: Entry, force: boolean): Promise<void> {
    const name = e.stored.name;
    if (e.stored.refs.length) throw conflict(`remove ${name}: volume is in use - [${e.stored.refs.join(', ')}]`);
    if (total(e) > 0) throw internal(`remove ${name}: volume has active mounts`);
    try {
      await this.deps.driver.remove(name);
    } catch (err) {
      // dockerd's force (PurgeOnError) forgets a volume whose driver could not remove it.
      if (!force) throw opError('remove', name, err);
      this.deps.log.warn('volume removal failed; forgetting it (force)', { volume: name, err });
    }
    this.entries.delete(name);
  }

  async prune(filters?: VolumeFilters): Promise<PruneReport> {
    const keep = pruneFilter(filters);
    if (this.pruning) throw conflict('a prune operation is already running');
    this.pruning = true;
    const report: PruneReport = { volumesDeleted: [], spaceReclaimed: 0 };
    try {
      // dockerd 20.10 prunes unreferenced local volumes without driver options (a mounted share
      // is left alone), named or anonymous: API 1.41 has no `all` filter.
      for (const e of [...this.entries.values()]) {
        const name = e.stored.name;
        if (e.stored.options && Object.keys(e.stored.options).length) continue;
        if (!keep(this.view(e))) continue;
        const size = await this.locks.run(name, async () => {
          if (this.entries.get(name) !== e || e.stored.refs.length || total(e) > 0) return undefined;
          const bytes = await this.deps.driver.size(name);
          await this.removeLocked(e, false);
          return bytes;
        }).catch((err) => {
          this.deps.log.warn('could not prune volume', { volume: name, err });
          return undefined;
        });
        if (size === undefined) continue;
        this.event('destroy', name, { driver: LOCAL_DRIVER });
        report.volumesDeleted.push(name);
        report.spaceReclaimed += size;
      }
    } finally {
      this.pruning = false;
    }
    this.event('prune', '', { reclaimed: String(report.spaceReclaimed) });
    return report;
  }

  addRef(name: string, containerId: string): Promise<void> {
    return this.locks.run(name, () => this.addRefLocked(this.entry(name), containerId));
  }

  private async addRefLocked(e: Entry, containerId: string): Promise<void> {
    if (e.stored.refs.includes(containerId)) return;
    e.stored = { ...e.stored, refs: [...e.stored.refs, containerId] };
    await this.deps.driver.save(e.stored);
  }

  dropRef(name: string, containerId: string): Promise<void> {
    return this.locks.run(name, async () => {
      const e = this.entries.get(name);
      if (!e?.stored.refs.includes(containerId)) return;
      e.stored = { ...e.stored, refs: e.stored.refs.filter((r) => r !== containerId) };
      await this.deps.driver.save(e.stored);
    });
  }

  refs(name: string): string[] {
    return [...(this.entries.get(name)?.stored.refs ?? [])];
  }

  async acquire(name: string, containerId: string, opts: AcquireOptions = {}): Promise<{ hostPath: string }> {
    const hostPath = await this.locks.run(name, async () => {
      const e = this.entry(name);
      const d = this.deps.driver;
      // First holder mounts; `isMounted` also covers a mount that outlived a crashed daemon.
      if (d.needsMount(e.stored) && total(e) === 0 && !(await d.isMounted(name))) await d.mount(e.stored);
      e.holders.set(containerId, (e.holders.get(containerId) ?? 0) + 1);
      return d.mountpoint(name);
    });
    if (opts.event) {
      const ev = opts.event;
      this.event('mount', name, {
        driver: LOCAL_DRIVER,
        container: containerId,
        destination: ev.destination,
        'read/write': String(ev.readWrite),
        propagation: ev.propagation,
      });
    }
    return { hostPath };
  }

  async release(name: string, containerId: string, opts: ReleaseOptions = {}): Promise<void> {
    const released = await this.locks.run(name, async () => {
      const e = this.entries.get(name);
      const n = e?.holders.get(containerId);
      if (!e || !n) return false;
      if (n > 1) e.holders.set(containerId, n - 1);
      else e.holders.delete(containerId);
      if (total(e) === 0 && this.deps.driver.needsMount(e.stored)) {
        try {
          await this.deps.driver.unmount(name);
        } catch (err) {
          e.holders.set(containerId, n); // still mounted: keep the count true, as dockerd does
          throw err;
        }
      }
      return true;
    });
    if (released && opts.event) this.event('unmount', name, { driver: LOCAL_DRIVER, container: containerId });
  }

  async reconcile(live: { existing: ReadonlySet<string>; running: ReadonlySet<string> }): Promise<void> {
    for (const e of [...this.entries.values()]) {
      const name = e.stored.name;
      await this.locks.run(name, async () => {
        const refs = e.stored.refs.filter((id) => live.existing.has(id));
        if (refs.length !== e.stored.refs.length) {
          e.stored = { ...e.stored, refs };
          await this.deps.driver.save(e.stored);
        }
        if (!this.deps.driver.needsMount(e.stored)) return;
        // A running container that references an options volume has it mounted (its start
        // acquired it); the count per container is not persisted, one release undoes it. A
        // container the restore already started again has acquired it itself: keep its count.
        for (const id of refs) if (live.running.has(id) && !e.holders.has(id)) e.holders.set(id, 1);
        if (e.holders.size === 0 && (await this.deps.driver.isMounted(name))) await this.deps.driver.unmount(name);
      }).catch((err) => this.deps.log.warn('reconciling volume failed', { volume: name, err }));
    }
  }

  async usage(): Promise<VolumeUsage[]> {
    const out: VolumeUsage[] = [];
    // As dockerd: volumes with driver options are left out (measuring a mounted share is costly).
    for (const e of this.entries.values()) {
      if (e.stored.options && Object.keys(e.stored.options).length) continue;
      const size = await this.deps.driver.size(e.stored.name).catch(() => -1);
      out.push({ ...this.view(e), size, refCount: e.stored.refs.length });
    }
    return out;
  }
}
