import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageRecord } from '../../core/images/image-store.js';
import type { Digest } from '../../lib/digest.js';
import type { ImageConfigFile, ImageRunConfig } from '../../spec/oci/image.js';
import { cacheKey, ImageCache } from './image-cache.js';

const id = (n: number) => `sha256:${String(n).padStart(64, '0')}` as Digest;

function record(n: number, parent: number | undefined, created: string): ImageRecord {
  return { id: id(n), parent: parent === undefined ? undefined : id(parent), created, configSize: 0, configMediaType: '', labels: null, layers: [], size: 0, lastTagTime: '' };
}

describe('classic builder cache', () => {
  it("compares container configs as moby's compare does", () => {
    const base: ImageRunConfig = { Cmd: ['/bin/sh', '-c', '#(nop) ', 'ENV A=1'], Env: ['A=1'], Labels: { b: '2', a: '1' } };
    assert.equal(cacheKey(base), cacheKey({ ...base, Labels: { a: '1', b: '2' }, WorkingDir: '/elsewhere', Hostname: 'x' }));
    assert.equal(cacheKey({ ...base, Volumes: null }), cacheKey({ ...base, Volumes: {} }));
    assert.notEqual(cacheKey(base), cacheKey({ ...base, Env: ['A=2'] }));
    assert.notEqual(cacheKey(base), cacheKey({ ...base, User: 'app' }));
    assert.equal(cacheKey({ ...base, OpenStdin: true }), undefined);
  });

  it('finds the newest matching child of the parent; for scratch only first build steps', async () => {
    const step: ImageRunConfig = { Cmd: ['/bin/sh', '-c', '#(nop) ', 'CMD ["sh"]'] };
    const records = [
      record(1, undefined, '2024-01-01T00:00:00Z'),
      record(2, 1, '2024-01-01T00:00:01Z'),
      record(3, 1, '2024-01-01T00:00:02.5Z'),
      record(4, 1, '2024-01-01T00:00:03Z'),
      record(5, undefined, '2024-01-01T00:00:04Z'),
    ];
    const configs = new Map<Digest, ImageConfigFile>([
      [id(1), { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, container_config: step, history: [{}, {}] }],
      [id(2), { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, container_config: step }],
      [id(3), { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, container_config: step }],
      [id(4), { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, container_config: { Cmd: ['other'] } }],
      [id(5), { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, container_config: step, history: [{}] }],
    ]);
    const cache = new ImageCache({
      store: { children: (p) => records.filter((r) => r.parent === p), list: () => records, get: (i) => records.find((r) => r.id === i) },
      readConfig: async (r) => configs.get(r.id)!,
    });
    assert.equal(await cache.probe(id(1), step), id(3));
    assert.equal(await cache.probe(id(1), { Cmd: ['nothing'] }), undefined);
    // Image 1 matches too, but it is a two-entry image (an imported base), not a first step.
    assert.equal(await cache.probe(undefined, step), id(5));
  });
});
