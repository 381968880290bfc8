/**
 * Generated configs run through the real runc and crun: each case builds a busybox bundle,
 * generates its config.json with generateSpec and checks, from inside the container, that the
 * setting took effect.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeBusyboxRootfs, writeBundleConfig } from '../../../core/runtime/busybox-bundle.js';
import type { OciRuntime } from '../../../core/runtime/runtime.js';
import { readAll, waitForStatus } from '../../../core/runtime/testsuite.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import { bindFreeControllersToV1, readOomCounters, removeCgroupPath } from '../../../plugins/runtime/cgroups.js';
import { createOciRuntimeCli } from '../../../plugins/runtime/oci-runtime-cli.js';
import { mergeImageConfig } from './container-config.js';
import { readDaemonFacts } from './daemon-facts.js';
import { generateSpec } from './generate-spec.js';
import type { DaemonFacts } from './spec-input.js';
import { readUserDb } from './user.js';

await bindFreeControllersToV1();

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n';
const GROUP = 'root:x:0:\nalice:x:1000:\nstaff:x:50:alice\naudio:x:29:alice\n';

interface Case {
  c?: Partial<ContainerConfig>;
  h?: Partial<HostConfig>;
}

for (const binary of ['runc', 'crun']) {
  describe(`generated specs run on ${binary}`, () => {
    let tmp: string;
    let rt: OciRuntime;
    let facts: DaemonFacts;
    const parent = `/wharf-e2e-${randomBytes(4).toString('hex')}`;
    const used: string[] = [];

    before(async () => {
      tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-spec-'));
      rt = createOciRuntimeCli({ binary, root: path.join(tmp, 'state') });
      facts = await readDaemonFacts({ cgroupParent: parent });
    });
    after(async () => {
      for (const id of used) await rt.delete(id, { force: true }).catch(() => undefined);
      for (const id of used) await removeCgroupPath(`${parent}/${id}`);
      await fs.rm(tmp, { recursive: true, force: true });
    });

    /** Makes a bundle with a generated config for `k`; returns its id, dir and pid file. */
    async function bundle(k: Case): Promise<{ id: string; dir: string; pidFile: string }> {
      const id = randomBytes(32).toString('hex');
      used.push(id);
      const dir = path.join(tmp, id.slice(0, 12));
      const rootfs = path.join(dir, 'rootfs');
      await makeBusyboxRootfs(rootfs, { passwd: PASSWD, group: GROUP });
      for (const f of ['hosts', 'hostname', 'resolv.conf']) await fs.writeFile(path.join(dir, f), `# ${f}\n`);
      const config = mergeImageConfig(
        { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false, ArgsEscaped: null, ...k.c },
        { Cmd: ['sh'] },
      );
      const { spec } = generateSpec({
        id,
        config,
        hostConfig: { Memory: 0, NetworkMode: 'none', ...k.h },
        rootfs,
        daemon: facts,
        userDb: await readUserDb(rootfs),
        etcFiles: { hostsPath: path.join(dir, 'hosts'), hostnamePath: path.join(dir, 'hostname'), resolvConfPath: path.join(dir, 'resolv.conf') },
      });
      await writeBundleConfig(dir, spec);
      return { id, dir, pidFile: path.join(dir, 'pid') };
    }

    /** Runs a case in the foreground; returns exit code and output. */
    async function run(k: Case): Promise<{ exitCode: number; out: string; err: string }> {
      const b = await bundle(k);
      const p = await rt.run(b.id, b.dir, { pidFile: b.pidFile, stdio: { stdout: 'pipe', stderr: 'pipe' } });
      const [out, err, { exitCode }] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.wait()]);
      await removeCgroupPath(`${parent}/${b.id}`);
      return { exitCode, out, err };
    }
    const sh = (script: string, k: Case = {}) => run({ ...k, c: { ...k.c, Cmd: ['sh', '-c', script] } });

    it('exit codes, env, user and groups, cwd, hostname', async () => {
      assert.equal((await sh('exit 7')).exitCode, 7);
      // `id -G | sort -u`: the kernel sorts the groups, and crun keeps Docker's duplicate gid.
      const r = await sh('echo "$FOO|$HOSTNAME"; id -u; id -G | tr " " "\\n" | sort -un | tr "\\n" " "; echo; pwd; hostname', {
        c: { User: 'alice', Env: ['FOO=bar'], WorkingDir: '/tmp', Hostname: 'box' },
        h: { GroupAdd: ['audio'] },
      });
      assert.deepEqual(r, { exitCode: 0, out: 'bar|box\n1000\n29 50 1000 \n/tmp\nbox\n', err: '' });
    });

    it('read-only rootfs with a writable --tmpfs', async () => {
      const r = await sh('touch /x 2>&1; echo rc=$?; touch /run/ok && echo tmpfs-ok', { h: { ReadonlyRootfs: true, Tmpfs: { '/run': 'size=1m' } } });
      assert.match(r.out, /Read-only file system\nrc=1\ntmpfs-ok\n/);
    });

    it('cgroup limits are visible inside: memory, pids, cpu quota', async () => {
      const r = await sh(
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
        { h: { Memory: 64 * 1024 * 1024, PidsLimit: 10, NanoCpus: 5e8 } },
      );
      assert.equal(r.out, `${64 * 1024 * 1024}\n10\n50000\n`);
      const fork = await sh('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done 2>/dev/null; jobs -p | wc -l', { h: { PidsLimit: 5 } });
      assert.ok(Number(fork.out.trim()) < 12, `pids limit let ${fork.out.trim()} background jobs start`);
    });

    it('capabilities: default set and --cap-drop CHOWN', async () => {
      assert.equal((await sh('chown 1 /tmp && echo ok')).out, 'ok\n');
      const dropped = await sh('chown 1 /tmp', { h: { CapDrop: ['CHOWN'] } });
      assert.equal(dropped.exitCode, 1);
      assert.match(dropped.err, /Operation not permitted/);
      assert.equal((await sh('grep CapEff /proc/self/status')).out, 'CapEff:\t00000000a80425fb\n');
    });

    it('seccomp filter active by default, off when unconfined or privileged; paths masked', async () => {
      assert.equal((await sh('grep Seccomp: /proc/self/status')).out, 'Seccomp:\t2\n');
      assert.equal((await sh('grep Seccomp: /proc/self/status', { h: { SecurityOpt: ['seccomp=unconfined'] } })).out, 'Seccomp:\t0\n');
      assert.equal((await sh('grep Seccomp: /proc/self/status', { h: { Privileged: true } })).out, 'Seccomp:\t0\n');
      // /proc/keys and /proc/timer_list have content on this host (/proc/kcore does not exist
      // here); masked, they read empty. /sys/firmware becomes an empty tmpfs, /proc/sys read-only.
      const masked = await sh('cat /proc/keys /proc/timer_list | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/vm/drop_caches || echo ro');
      assert.match(masked.out, /^0\n0\nro\n$/);
      const unmasked = await sh('cat /proc/timer_list | wc -c', { h: { Privileged: true } });
      assert.ok(Number(unmasked.out) > 0, 'privileged containers see /proc/timer_list');
      assert.equal((await sh('grep NoNewPrivs /proc/self/status', { h: { SecurityOpt: ['no-new-privileges'] } })).out, 'NoNewPrivs:\t1\n');
    });

    it('--init runs docker-init as pid 1', async () => {
      const r = await sh('tr "\\0" " " < /proc/1/cmdline', { h: { Init: true } });
      assert.equal(r.out, '/sbin/docker-init -- sh -c tr "\\0" " " < /proc/1/cmdline ');
    });

    it('an OOM kill exits 137 and shows in the cgroup before delete', async () => {
      const hog = 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived';
      const limits = { Memory: 8 * 1024 * 1024, MemorySwap: 8 * 1024 * 1024 };
      const fg = await sh(hog, { h: limits });
      assert.equal(fg.exitCode, 137);
      // Detached: the cgroup outlives the process until delete, so the daemon can read why it died.
      const b = await bundle({ c: { Cmd: ['sh', '-c', hog] }, h: limits });
      await rt.create(b.id, b.dir, { pidFile: b.pidFile });
      await rt.start(b.id);
      await waitForStatus(rt, b.id, 'stopped', 20_000);
      const oom = await readOomCounters(`${parent}/${b.id}`);
      assert.ok(oom && oom.oomKills >= 1, JSON.stringify(oom));
      await rt.delete(b.id);
      await removeCgroupPath(`${parent}/${b.id}`);
      assert.equal(await readOomCounters(`${parent}/${b.id}`), undefined);
    });
  });
}
