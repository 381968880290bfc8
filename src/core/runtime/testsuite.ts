/**
 * The conformance suite every {@link OciRuntime} implementation passes, against the real kernel:
 * busybox bundles, real namespaces and cgroups. Call it from the implementation's test file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isKind } from '../../errdefs/index.js';
import { makeBusyboxRootfs, minimalSpec, writeBundleConfig } from './busybox-bundle.js';
import type { OciRuntime, RuntimeErrorDetail, RuntimeStatus } from './runtime.js';

export interface RuntimeSuiteOptions {
  /** Suite title, e.g. `runc`. */
  name: string;
  /** Builds the runtime under test with its private state in `stateDir`. */
  makeRuntime(stateDir: string): OciRuntime;
  /** Removes a cgroupsPath the suite used, with its parents (the implementation's cleanup). */
  removeCgroup(cgroupsPath: string): Promise<void>;
}

/** Reads a stream to its end as text. */
export async function readAll(stream: Readable | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls `state` until the container reaches `status` (or fails after `ms`). */
export async function waitForStatus(rt: OciRuntime, id: string, status: RuntimeStatus, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const st = await rt.state(id);
    if (st.status === status) return;
    if (Date.now() > until) assert.fail(`container ${id} is ${st.status}, expected ${status}`);
    await sleep(10);
  }
}

/** Registers the conformance tests (node:test `describe`). */
export function runtimeConformanceSuite(o: RuntimeSuiteOptions): void {
  describe(`OciRuntime conformance: ${o.name}`, () => {
    let tmp: string;
    let rt: OciRuntime;
    const parent = `/wharf-test-${randomBytes(4).toString('hex')}`;
    const ids: string[] = [];

    /** A fresh bundle running `args`; returns its id and dir. */
    async function bundle(args: string[], env: string[] = []): Promise<{ id: string; dir: string; pidFile: string }> {
      const id = `c${ids.length}-${randomBytes(3).toString('hex')}`;
      ids.push(id);
      const dir = path.join(tmp, id);
      await makeBusyboxRootfs(path.join(dir, 'rootfs'));
      await writeBundleConfig(dir, minimalSpec(args, { cgroupsPath: `${parent}/${id}`, env }));
      return { id, dir, pidFile: path.join(dir, 'pid') };
    }

    before(async () => {
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-rt-'));
      rt = o.makeRuntime(path.join(tmp, 'state'));
    });

    after(async () => {
      for (const id of ids) await rt.delete(id, { force: true }).catch(() => undefined);
      for (const id of ids) await o.removeCgroup(`${parent}/${id}`);
      await fs.rm(tmp, { recursive: true, force: true });
    });

    it('reports its version', async () => {
      const v = await rt.version();
      assert.equal(v.name, o.name);
      assert.match(v.version, /^\d+\.\d+/);
      assert.match(v.spec, /^1\./);
    });

    it('creates, starts, lists, signals and deletes a container', async () => {
      const b = await bundle(['sleep', '1000']);
      const io = await rt.create(b.id, b.dir, { pidFile: b.pidFile });
      assert.ok(io.pid > 0);
      let st = await rt.state(b.id);
      assert.equal(st.status, 'created');
      assert.equal(st.pid, io.pid);
      assert.equal(st.bundle, b.dir);
      await rt.start(b.id);
      assert.equal((await rt.state(b.id)).status, 'running');
      assert.deepEqual(await rt.ps(b.id), [io.pid]);
      assert.ok((await rt.list()).some((s) => s.id === b.id && s.status === 'running'));
      await rt.pause(b.id);
      assert.equal((await rt.state(b.id)).status, 'paused');
      await rt.resume(b.id);
      assert.equal((await rt.state(b.id)).status, 'running');
      await rt.kill(b.id, 'SIGKILL');
      await waitForStatus(rt, b.id, 'stopped');
      st = await rt.state(b.id);
      assert.equal(st.status, 'stopped');
      await rt.delete(b.id);
      await assert.rejects(rt.state(b.id), (e) => isKind(e, 'NotFound'));
      assert.ok(!(await rt.list()).some((s) => s.id === b.id));
    });

    it('maps state errors to NotFound and Conflict', async () => {
      await assert.rejects(rt.state('nosuch-container'), (e) => isKind(e, 'NotFound'));
      await assert.rejects(rt.kill('nosuch-container', 'TERM'), (e) => isKind(e, 'NotFound'));
      await assert.rejects(rt.kill('nosuch-container', 'NOSIG'), (e) => isKind(e, 'InvalidArgument'));
      const b = await bundle(['sleep', '1000']);
      await rt.create(b.id, b.dir, { pidFile: b.pidFile });
      await assert.rejects(rt.create(b.id, b.dir, { pidFile: `${b.pidFile}2` }), (e) => isKind(e, 'Conflict'));
      await rt.start(b.id);
      await assert.rejects(rt.start(b.id), (e) => isKind(e, 'Conflict'));
      await assert.rejects(rt.delete(b.id), (e) => isKind(e, 'Conflict'));
      await rt.delete(b.id, { force: true });
      await assert.rejects(rt.state(b.id), (e) => isKind(e, 'NotFound'));
    });

    it('passes stdio pipes to a created container', async () => {
      const b = await bundle(['sh', '-c', 'read x; echo "out:$x"; echo err >&2']);
      const io = await rt.create(b.id, b.dir, { pidFile: b.pidFile, stdio: { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' } });
      const out = readAll(io.stdout);
      const err = readAll(io.stderr);
      await rt.start(b.id);
      io.stdin?.end('hello\n');
      assert.equal(await out, 'out:hello\n');
      assert.equal(await err, 'err\n');
      await waitForStatus(rt, b.id, 'stopped');
      await rt.delete(b.id);
    });

    it('runs in the foreground and reports exit codes and signals', async () => {
      const a = await bundle(['sh', '-c', 'echo $FOO; exit 3'], ['FOO=bar']);
      const p = await rt.run(a.id, a.dir, { pidFile: a.pidFile, stdio: { stdout: 'pipe' } });
      assert.equal(await readAll(p.stdout), 'bar\n');
      assert.deepEqual(await p.wait(), { exitCode: 3 });
      const b = await bundle(['sleep', '1000']);
      const q = await rt.run(b.id, b.dir, { pidFile: b.pidFile });
      await rt.kill(b.id, 'KILL');
      assert.deepEqual(await q.wait(), { exitCode: 137 });
    });

    it('reports a missing program as exit 127 (Docker mapping)', async () => {
      const b = await bundle(['/nosuch/program']);
      const err = await rt.run(b.id, b.dir, { pidFile: b.pidFile }).then(
        async (p) => assert.fail(`expected a launch failure, got exit ${(await p.wait()).exitCode}`),
        (e: unknown) => e,
      );
      assert.ok(isKind(err, 'InvalidArgument'), String(err));
      const detail = (err as { cause?: RuntimeErrorDetail }).cause;
      assert.equal(detail?.exitCode, 127);
      assert.match(detail?.runtimeMessage ?? '', /nosuch/);
      await rt.delete(b.id, { force: true }).catch(() => undefined);
    });

    it('execs processes in the foreground and detached, and updates resources', async () => {
      const b = await bundle(['sleep', '1000']);
      await rt.create(b.id, b.dir, { pidFile: b.pidFile });
      await rt.start(b.id);
      const proc = { user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'echo "$X"; exit 5'], env: ['X=y', 'PATH=/bin'], cwd: '/' };
      const e = await rt.exec(b.id, proc, { pidFile: path.join(b.dir, 'exec.pid'), stdio: { stdout: 'pipe' } });
      assert.equal(await readAll(e.stdout), 'y\n');
      assert.deepEqual(await e.wait?.(), { exitCode: 5 });
      const d = await rt.exec(b.id, { ...proc, args: ['sleep', '1000'] }, { pidFile: path.join(b.dir, 'd.pid'), detach: true });
      assert.equal(d.wait, undefined);
      assert.ok((await rt.ps(b.id)).includes(d.pid));
      const missing = rt.exec(b.id, { ...proc, args: ['nosuch'] }, { pidFile: path.join(b.dir, 'm.pid') });
      await assert.rejects(
        missing.then((p) => p.wait?.()),
        (err) => isKind(err, 'InvalidArgument') && (err as { cause?: RuntimeErrorDetail }).cause?.exitCode === 127,
      );
      await rt.update(b.id, { memory: { limit: 64 * 1024 * 1024 } });
      const limit = await fs.readFile(`/sys/fs/cgroup/memory${parent}/${b.id}/memory.limit_in_bytes`, 'utf8');
      assert.equal(limit.trim(), String(64 * 1024 * 1024));
      await rt.delete(b.id, { force: true });
    });
  });
}
