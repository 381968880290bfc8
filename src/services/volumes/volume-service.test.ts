import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEventBus } from '../../core/events/events.js';
import { runVolumeServiceSuite } from '../../core/volumes/testsuite.js';
import { createLogger } from '../../lib/logger.js';
import { unmountAll } from '../../plugins/snapshots/mount.js';
import { LocalVolumeDriver } from '../../plugins/volumes/local-volume-driver.js';
import { LocalVolumeService } from './volume-service.js';

runVolumeServiceSuite('LocalVolumeService over LocalVolumeDriver', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-vols-'));
  const events = createEventBus();
  const log = createLogger('error');
  const open = async () => LocalVolumeService.open({ driver: await LocalVolumeDriver.open(path.join(dir, 'volumes')), events, log });
  return {
    service: await open(),
    events,
    reopen: open,
    async cleanup() {
      // A failed test may leave a volume mounted: unmount before deleting (never rm through a mount).
      const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
      const mine = info.split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${dir}/`));
      for (const m of mine.sort().reverse()) await unmountAll(m);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});
