import type { ContentStore } from '../../core/content/content-store.js';
import type { Snapshotter } from '../../core/snapshots/snapshotter.js';
import type { ImageService } from '../../services/images/image-service.js';

/**
 * What the builder needs from the image subsystem: the image service's records, layers, lock and
 * leases (it commits step images exactly as `docker commit` and import do), plus the content
 * store and snapshotter underneath.
 */
export interface BuildImages {
  service: Pick<ImageService, 'store' | 'layers' | 'lock' | 'leases' | 'readConfig' | 'commitImage' | 'event' | 'resolve'>;
  content: ContentStore;
  snapshots: Snapshotter;
}
