import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from '../../core/runtime/busybox-bundle.js';
import { runtimeConformanceSuite } from '../../core/runtime/testsuite.js';
import { bindFreeControllersToV1, removeCgroupPath } from './cgroups.js';
import { createOciRuntimeCli } from './oci-runtime-cli.js';

// crun refuses hybrid hosts whose cgroup2 still offers a controller; see bindFreeControllersToV1.
await bindFreeControllersToV1();

for (const binary of ['runc', 'crun']) {
  runtimeConformanceSuite({
    name: binary,
    makeRuntime: (stateDir) => createOciRuntimeCli({ binary, root: stateDir }),
    removeCgroup: (p) => removeCgroupPath(p),
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('OciRuntime CLI adapter latency', () => {
  let tmp: string;
  const cgroupParent = `/wharf-bench-${process.pid}`;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rt-bench-'));
    await makeBusyboxRootfs(path.join(tmp, 'rootfs'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  for (const binary of ['runc', 'crun']) {
    it(`${binary}: create+start+delete costs little over the bare CLI`, async (t) => {
      const root = path.join(tmp, `state-${binary}`);
      const rt = createOciRuntimeCli({ binary, root });
      const bare: number[] = [];
      const ours: number[] = [];
      for (let i = 0; i < 9; i++) {
        const id = `${binary}-b${i}`;
        await writeBundleConfig(tmp, minimalSpec(['true'], { cgroupsPath: `${cgroupParent}/${id}` }));
        let t0 = performance.now();
        const g = ['--root', `${root}-bare`];
        execFileSync(binary, [...g, 'create', '--bundle', tmp, '--pid-file', path.join(tmp, 'pid'), id], { stdio: 'ignore' });
        execFileSync(binary, [...g, 'start', id], { stdio: 'ignore' });
        execFileSync(binary, [...g, 'delete', '--force', id], { stdio: 'ignore' });
        bare.push(performance.now() - t0);
        t0 = performance.now();
        await rt.create(`${id}x`, tmp, { pidFile: path.join(tmp, 'pid') });
        await rt.start(`${id}x`);
        await rt.delete(`${id}x`, { force: true });
        ours.push(performance.now() - t0);
        await removeCgroupPath(`${cgroupParent}/${id}`);
        await removeCgroupPath(`${cgroupParent}/${id}x`);
      }
      t.diagnostic(`${binary}: bare CLI median ${median(bare).toFixed(1)} ms, adapter median ${median(ours).toFixed(1)} ms`);
      assert.ok(median(ours) < median(bare) * 1.5 + 15, `adapter ${median(ours)} ms vs bare ${median(bare)} ms`);
    });
  }
});
