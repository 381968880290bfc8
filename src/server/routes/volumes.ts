/**
 * Engine API routes of volumes: list, create, inspect, remove, prune. Thin handlers over
 * {@link VolumesBackend}; the wire shape is dockerd 20.10's (`Labels`/`Options` null when none,
 * `Status` and `UsageData` omitted).
 */
import type { VolumeRecord, VolumeService, VolumeUsage } from '../../core/volumes/volume.js';
import { invalidArgument } from '../../errdefs/index.js';
import type { Volume, VolumeCreateOptions, VolumePruneResponse } from '../../spec/engine/types.js';
import { parseJSONBody } from '../body.js';
import type { Route } from '../router.js';

/** What the volume routes need from the engine. */
export type VolumesBackend = Pick<VolumeService, 'create' | 'get' | 'list' | 'remove' | 'prune'>;

/** A volume on the wire: the swagger's Volume, with dockerd's nulls. */
export type VolumeWire = Omit<Volume, 'Labels' | 'Options'> & { Labels: Volume['Labels'] | null; Options: Volume['Options'] | null };

/** A map as Go's encoding/json writes it: keys sorted. */
function sortedMap(m: Record<string, string> | null): Record<string, string> | null {
  return m && Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The wire form of a volume, fields in dockerd's order. */
export function toWireVolume(v: VolumeRecord): VolumeWire {
  return {
    CreatedAt: v.createdAt,
    Driver: v.driver,
    Labels: sortedMap(v.labels),
    Mountpoint: v.mountpoint,
    Name: v.name,
    Options: sortedMap(v.options),
    Scope: v.scope,
  };
}

/** The `system df` form: with `UsageData`. */
export function toWireVolumeUsage(v: VolumeUsage): VolumeWire {
  return { ...toWireVolume(v), UsageData: { RefCount: v.refCount, Size: v.size } };
}

export function volumeRoutes(b: VolumesBackend): Route[] {
  return [
    { method: 'GET', path: '/volumes', handler: async (ctx) => ctx.send(200, { Volumes: b.list(ctx.query.filters()).map(toWireVolume), Warnings: null }) },
    {
      method: 'POST',
      path: '/volumes/create',
      handler: async (ctx) => {
        const buf = await ctx.bodyBuffer();
        // Go's json.Decoder on an empty body, as dockerd answers it.
        if (buf.length === 0) throw invalidArgument('got EOF while reading request body');
        const body = parseJSONBody<VolumeCreateOptions | null>(buf) ?? {};
        const rec = await b.create({ name: body.Name, driver: body.Driver, labels: body.Labels ?? null, driverOpts: body.DriverOpts ?? null });
        ctx.send(201, toWireVolume(rec));
      },
    },
    {
      method: 'POST',
      path: '/volumes/prune',
      handler: async (ctx) => {
        const r = await b.prune(ctx.query.filters());
        const body: VolumePruneResponse = { VolumesDeleted: r.volumesDeleted, SpaceReclaimed: r.spaceReclaimed };
        ctx.send(200, body);
      },
    },
    { method: 'GET', path: '/volumes/{name}', handler: async (ctx) => ctx.send(200, toWireVolume(b.get(ctx.params.name!))) },
    {
      method: 'DELETE',
      path: '/volumes/{name}',
      handler: async (ctx) => {
        await b.remove(ctx.params.name!, { force: ctx.query.bool('force') });
        ctx.noContent();
      },
    },
  ];
}
