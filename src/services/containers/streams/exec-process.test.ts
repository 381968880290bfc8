import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OciSpec } from '../../../core/runtime/oci-spec-types.js';
import { buildExecProcess, execEnv } from './exec-process.js';
import { type ExecRecord, ExecStore } from './exec-store.js';

const CAPS = ['CAP_CHOWN', 'CAP_KILL'];

function spec(): OciSpec {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: true,
      consoleSize: { height: 30, width: 100 },
      user: { uid: 0, gid: 0, additionalGids: [0] },
      args: ['sh'],
      env: ['PATH=/bin', 'HOSTNAME=abc'],
      cwd: '/srv',
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
  };
}

describe('exec process derivation', () => {
  let bundle: string;
  const store = new ExecStore();
  const exec = (o: Partial<ExecRecord>): ExecRecord =>
    store.add({
      id: Math.random().toString(16).slice(2),
      containerId: 'c1',
      entrypoint: 'id',
      args: ['-u'],
      env: ['PATH=/bin', 'A=b'],
      user: '',
      workingDir: '',
      tty: false,
      privileged: false,
      openStdin: false,
      openStdout: true,
      openStderr: true,
      detachKeys: Buffer.alloc(0),
      ...o,
    });

  before(async () => {
    bundle = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-exec-proc-'));
    await fs.mkdir(path.join(bundle, 'rootfs/etc'), { recursive: true });
    await fs.writeFile(path.join(bundle, 'rootfs/etc/passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
    await fs.writeFile(path.join(bundle, 'rootfs/etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n');
  });
  after(() => fs.rm(bundle, { recursive: true, force: true }));

  it("keeps the container's process but takes the exec's args, env, cwd and terminal", async () => {
    const p = await buildExecProcess({ exec: exec({}), spec: spec(), bundleDir: bundle, groupAdd: [] });
    assert.deepEqual(p.args, ['id', '-u']);
    assert.deepEqual(p.env, ['PATH=/bin', 'A=b']);
    assert.equal(p.cwd, '/');
    assert.equal(p.terminal, false);
    assert.equal(p.consoleSize, undefined, "the container's console size is not the exec's");
    assert.deepEqual(p.user, { uid: 0, gid: 0, additionalGids: [0] });
    assert.deepEqual(p.capabilities, { bounding: CAPS, effective: CAPS, permitted: CAPS });
    assert.equal(p.noNewPrivileges, true);
    assert.equal(p.rlimits?.length, 1);
  });

  it("resolves -u in the container's passwd and group files, with --group-add", async () => {
    const p = await buildExecProcess({ exec: exec({ user: 'app', workingDir: '/tmp' }), spec: spec(), bundleDir: bundle, groupAdd: ['root'] });
    assert.deepEqual(p.user, { uid: 1000, gid: 1000, additionalGids: [1000, 2000, 0] });
    assert.equal(p.cwd, '/tmp');
    assert.deepEqual(p.capabilities, { bounding: CAPS }, 'a non-root user starts without effective capabilities');
    await assert.rejects(
      buildExecProcess({ exec: exec({ user: 'nosuch' }), spec: spec(), bundleDir: bundle, groupAdd: [] }),
      /unable to find user nosuch: no matching entries in passwd file/,
    );
  });

  it('gives --privileged every capability the daemon holds', async () => {
    const p = await buildExecProcess({ exec: exec({ privileged: true }), spec: spec(), bundleDir: bundle, groupAdd: [] });
    assert.ok(p.capabilities!.bounding!.length > CAPS.length);
    assert.ok(p.capabilities!.bounding!.includes('CAP_SYS_ADMIN'));
    assert.deepEqual(p.capabilities!.effective, p.capabilities!.bounding);
  });

  it('merges the environment as dockerd: defaults, container env, exec env', () => {
    const env = execEnv({ Env: ['PATH=/custom', 'A=1', 'B=2'] }, 'host1', true, ['B=3', 'C=4']);
    assert.deepEqual(env, ['PATH=/custom', 'HOSTNAME=host1', 'TERM=xterm', 'A=1', 'B=3', 'C=4']);
  });
});

describe('ExecStore', () => {
  it('reports unknown ids as dockerd, lists active execs and forgets a removed container', () => {
    const s = new ExecStore();
    assert.throws(() => s.get('abc'), /No such exec instance: abc/);
    const base = {
      containerId: 'c1',
      entrypoint: 'true',
      args: [],
      env: [],
      user: '',
      workingDir: '',
      tty: false,
      privileged: false,
      openStdin: false,
      openStdout: false,
      openStderr: false,
      detachKeys: Buffer.alloc(0),
    };
    const a = s.add({ ...base, id: 'a' });
    s.add({ ...base, id: 'b' });
    assert.deepEqual(s.activeIds('c1'), ['a', 'b']);
    s.finished(a, 0);
    assert.deepEqual(s.activeIds('c1'), ['b']);
    assert.equal(s.get('a').exitCode, 0);
    s.removeContainer('c1');
    assert.throws(() => s.get('b'), /No such exec instance/);
  });

  it('keeps a bounded number of finished execs per container', () => {
    const s = new ExecStore();
    const mk = (id: string) =>
      s.add({ id, containerId: 'c', entrypoint: 'true', args: [], env: [], user: '', workingDir: '', tty: false, privileged: false, openStdin: false, openStdout: false, openStderr: false, detachKeys: Buffer.alloc(0) });
    for (let i = 0; i < 300; i++) s.finished(mk(`e${i}`), 0);
    assert.throws(() => s.get('e0'), /No such exec instance/);
    assert.equal(s.get('e299').exitCode, 0);
    assert.equal(s.get('e44').exitCode, 0);
    assert.throws(() => s.get('e43'));
  });
});
