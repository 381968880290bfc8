/**
 * removeStoppedRuncState against real runc: it does what `runc delete` does for a container whose
 * init is gone (state dir and cgroup dirs removed, runc then knows no such container), and
 * refuses (leaving everything for `runc delete`) while the init lives or a poststop hook exists.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from '../../core/runtime/busybox-bundle.js';
import { waitForStatus } from '../../core/runtime/testsuite.js';
import { isKind } from '../../errdefs/index.js';
import { removeCgroupPath } from './cgroups.js';
import { createOciRuntimeCli } from './oci-runtime-cli.js';
import { readRuncInitState, removeStoppedRuncState } from './runc-state.js';

describe('removeStoppedRuncState (runc delete of a stopped container, without runc)', () => {
  let tmp: string;
  let root: string;
  const parent = `/wharf-rs-test-${randomBytes(4).toString('hex')}`;
  const ids: string[] = [];
  const rt = () => createOciRuntimeCli({ binary: 'runc', root });

  /** A running `sleep` container, its spec given `extra` (e.g. hooks). */
  async function running(extra: Record<string, unknown> = {}): Promise<string> {
    const id = `rs${ids.length}-${randomBytes(3).toString('hex')}`;
    ids.push(id);
    const dir = path.join(tmp, id);
    await makeBusyboxRootfs(path.join(dir, 'rootfs'));
    await writeBundleConfig(dir, { ...minimalSpec(['sleep', '1000'], { cgroupsPath: `${parent}/${id}` }), ...extra });
    await rt().create(id, dir, { pidFile: path.join(dir, 'pid') });
    await rt().start(id);
    return id;
  }

  const exists = (p: string) =>
    fs.access(p).then(
      () => true,
      () => false,
    );

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rs-'));
    root = path.join(tmp, 'state');
  });

  after(async () => {
    for (const id of ids) await rt().delete(id, { force: true }).catch(() => undefined);
    for (const id of ids) await removeCgroupPath(`${parent}/${id}`);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('removes the state and the cgroup dirs once the init is gone; runc then knows no such container', async () => {
    const id = await running();
    const init = await readRuncInitState(root, id);
    assert.ok(init && init.cgroupPaths.length > 0);
    assert.equal(await removeStoppedRuncState(root, id), false, 'not while the init lives');
    assert.ok(await exists(path.join(root, id, 'state.json')));
    await rt().kill(id, 'SIGKILL');
    await waitForStatus(rt(), id, 'stopped');
    assert.equal(await removeStoppedRuncState(root, id), true);
    assert.equal(await exists(path.join(root, id)), false);
    for (const dir of init.cgroupPaths) assert.equal(await exists(dir), false, dir);
    await assert.rejects(rt().state(id), (e) => isKind(e, 'NotFound'));
    assert.ok(!(await rt().list()).some((s) => s.id === id));
  });

  it('leaves a container with a poststop hook to runc (which runs the hook)', async () => {
    const marker = path.join(tmp, 'poststop-ran');
    const id = await running({ hooks: { poststop: [{ path: '/bin/sh', args: ['sh', '-c', `touch ${marker}`] }] } });
    await rt().kill(id, 'SIGKILL');
    await waitForStatus(rt(), id, 'stopped');
    assert.equal(await removeStoppedRuncState(root, id), false);
    assert.ok(await exists(path.join(root, id, 'state.json')));
    await rt().delete(id);
    assert.ok(await exists(marker), 'runc ran the hook');
  });

  it('says false for a container runc has no state for', async () => {
    assert.equal(await removeStoppedRuncState(root, 'nosuch'), false);
  });
});
