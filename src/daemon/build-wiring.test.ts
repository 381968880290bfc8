import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createEventBus } from '../core/events/events.js';
import { noImageUsage } from '../core/images/image-usage.js';
import { createLogger } from '../lib/logger.js';
import { LocalContentStore } from '../plugins/content/local-content-store.js';
import { LocalImageStore } from '../plugins/images/local-image-store.js';
import { OverlaySnapshotter } from '../plugins/snapshots/overlay-snapshotter.js';
import { readDaemonFacts } from '../services/containers/oci-spec/daemon-facts.js';
import { ImageService } from '../services/images/image-service.js';
import { openBuilder } from './build-wiring.js';
import { parseDaemonArgs } from './config.js';

const roots: string[] = [];
after(async () => {
  for (const d of roots) await fs.rm(d, { recursive: true, force: true });
});

/** A data root and exec root under a fresh temp dir, with the real stores the daemon opens. */
async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-bw-'));
  roots.push(dir);
  const config = parseDaemonArgs(['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--log-level', 'error']);
  const log = createLogger('error');
  const content = await LocalContentStore.open(path.join(config.dataRoot, 'content'));
  const snapshots = await OverlaySnapshotter.open(path.join(config.dataRoot, 'overlay'));
  const store = await LocalImageStore.open(path.join(config.dataRoot, 'image'));
  const service = await ImageService.open({ store, content, snapshots, usage: noImageUsage, events: createEventBus(), log });
  const open = async () => openBuilder({ config, log, images: { service, content, snapshots }, networking: undefined, facts: await readDaemonFacts(), pull: undefined });
  return { config, snapshots, open, scratch: path.join(config.execRoot, 'build') };
}

const exists = (p: string) => fs.stat(p).then(() => true, () => false);

describe('openBuilder', () => {
  it('does not build the service at start-up when no build left anything', async () => {
    const s = await setup();
    await s.open();
    // BuildService.open creates the scratch dir in its sweep: it has not run.
    assert.equal(await exists(s.scratch), false);
  });

  it("sweeps a crashed build's scratch files and snapshots at start-up", async () => {
    const s = await setup();
    await fs.mkdir(path.join(s.scratch, 'ctx-1'), { recursive: true });
    await fs.writeFile(path.join(s.scratch, 'ctx-1', 'Dockerfile'), 'FROM scratch\n');
    await s.snapshots.prepare('build-step-1');
    await s.open();
    assert.deepEqual(await fs.readdir(s.scratch), []);
    assert.equal((await s.snapshots.list()).some((i) => i.key === 'build-step-1'), false);
  });

  it('sweeps a leftover build snapshot alone', async () => {
    const s = await setup();
    await s.snapshots.prepare('build-step-2');
    await s.snapshots.prepare('other');
    await s.open();
    const keys = (await s.snapshots.list()).map((i) => i.key);
    assert.deepEqual(keys, ['other']);
  });
});
