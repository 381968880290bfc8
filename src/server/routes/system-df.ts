import type { ContainerSummary, ImageSummary, SystemDataUsageResponse } from '../../spec/engine/types.js';
import type { Route } from '../router.js';
import type { VolumeWire } from './volumes.js';

/**
 * What `GET /system/df` gathers. Each subsystem contributes its part; parts whose subsystem does
 * not exist yet are empty lists, as on an engine with no such objects.
 */
export interface DiskUsageBackend {
  images(): { LayersSize: number; Images: ImageSummary[] };
  containers?(): Promise<ContainerSummary[]>;
  volumes?(): Promise<VolumeWire[]>;
  buildCache?(): Promise<NonNullable<SystemDataUsageResponse['BuildCache']>>;
}

/** `GET /system/df` (API 1.41 has no `type` filter: every part is always computed). */
export function systemDfRoutes(b: DiskUsageBackend): Route[] {
  return [
    {
      method: 'GET',
      path: '/system/df',
      handler: async (ctx) => {
        const [containers, volumes, buildCache] = await Promise.all([b.containers?.() ?? [], b.volumes?.() ?? [], b.buildCache?.() ?? []]);
        const images = b.images();
        const body: Omit<SystemDataUsageResponse, 'Volumes'> & { Volumes: VolumeWire[]; BuilderSize: number } = {
          LayersSize: images.LayersSize,
          Images: images.Images,
          Containers: containers,
          Volumes: volumes,
          BuildCache: buildCache,
          // Deprecated since API 1.38 and always 0, but dockerd 20.10 still sends it.
          BuilderSize: 0,
        };
        ctx.send(200, body);
      },
    },
  ];
}
