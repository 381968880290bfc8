/**
 * Native exec (wharf-shim --native-exec) against `runc exec`: two private daemons, one with
 * `--no-native-exec`, run the same containers and the same execs, and every probe of the exec'd
 * process must read the same on both — credentials, capability sets, no_new_privs, seccomp,
 * rlimits, cgroups and namespaces (as pid 1's), environment, cwd, the pty, and the errors with
 * their exit codes. Real runc, real docker CLI.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

// What the exec sees of itself, compared with pid 1 (the container's init, set up by runc) where
// the value is the container's, and printed as is where the exec differs by design (-u, -e, -w).
const PROBE = [
  'id',
  "grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status",
  'for n in mnt pid net ipc uts cgroup; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] && echo "ns $n: pid 1\'s" || echo "ns $n: other"; done',
  '[ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ] && echo "cgroups: pid 1\'s" || { echo "cgroups: other"; cat /proc/self/cgroup; }',
  // When only the open-files line differs, that is said apart (see RUNC_NOFILE_RACE below).
  'diff /proc/self/limits /proc/1/limits >/dev/null && echo "limits: pid 1\'s" || { a=$(grep -v "^Max open files" /proc/self/limits); b=$(grep -v "^Max open files" /proc/1/limits); [ "$a" = "$b" ] && echo "limits: pid 1\'s but nofile $(ulimit -Sn):$(ulimit -Hn)" || cat /proc/self/limits; }',
  'echo "oom $(cat /proc/self/oom_score_adj) pwd $(pwd) ppid $PPID"',
  'env | grep -v ^HOSTNAME= | sort',
].join('; ');

// Debian 12's runc (1.1.5, Go 1.19) sets an exec's rlimits with prlimit(2) while the child's Go
// runtime raises its own nofile soft limit, so now and then `runc exec` gets the wrong nofile
// (opencontainers/runc#4195, fixed upstream in #4265/#4266). Native exec sets rlimits in the
// child itself and has no such race; only runc's side is forgiven that one line.
const RUNC_NOFILE_RACE = /limits: pid 1's but nofile \d+:\d+\n/;

// `asPid1`: the exec runs as pid 1's user, so it may read pid 1's namespace links (another user
// may not without CAP_SYS_PTRACE, and then both daemons print "other").
const SCENARIOS: { name: string; run: string[]; exec: string[]; asPid1?: boolean }[] = [
  { name: 'defaults', run: [], exec: [], asPid1: true },
  { name: 'exec -u, -e, -w', run: [], exec: ['-u', '1000:1000', '-e', 'A=b', '-e', 'PATH=/bin', '-w', '/tmp'] },
  { name: 'a non-root container, groups, caps, ulimit, no-new-privileges', run: ['-u', '1000:1000', '--group-add', '50', '--cap-add', 'NET_ADMIN', '--cap-drop', 'CHOWN', '--ulimit', 'nofile=1000:2000', '--security-opt', 'no-new-privileges'], exec: [], asPid1: true },
  { name: 'exec -u 0 into a non-root container', run: ['-u', '1000'], exec: ['-u', '0'] },
  { name: 'exec --privileged', run: [], exec: ['--privileged'], asPid1: true },
  { name: 'privileged, seccomp unconfined', run: ['--privileged', '--security-opt', 'seccomp=unconfined'], exec: [], asPid1: true },
  { name: 'host network, oom score', run: ['--network', 'host', '--oom-score-adj', '300'], exec: [], asPid1: true },
  // pid 1 is then the host's init: only the two daemons' outputs are compared.
  { name: 'host pid, ipc and uts namespaces', run: ['--pid', 'host', '--ipc', 'host', '--uts', 'host'], exec: [] },
];

/** Names of the files under `dir` (recursively) that match `re`. */
async function findFiles(dir: string, re: RegExp): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && re.test(e.name)).map((e) => path.basename(e.name));
}

describe('exec: wharf-shim itself vs runc exec', { timeout: 300_000 }, () => {
  let native: TestDaemon;
  let viaRunc: TestDaemon;

  before(async () => {
    [native, viaRunc] = await Promise.all([startDaemonWithBusybox(), startDaemonWithBusybox({ extraArgs: ['--no-native-exec'] })]);
  });

  after(async () => {
    for (const d of [native, viaRunc]) {
      if (!d) continue;
      await removeAllContainers(d);
      await d.destroy();
    }
    await cleanupFixture();
  });

  /** Runs the container on both daemons and the exec in each; returns both results. */
  async function both(name: string, runArgs: string[], execOpts: string[], cmd: string[]) {
    return Promise.all(
      [native, viaRunc].map(async (d) => {
        const r = await d.docker(['run', '-d', '--name', name, ...runArgs, 'busybox', 'sleep', '600']);
        assert.equal(r.code, 0, r.stderr);
        return d.docker(['exec', ...execOpts, name, ...cmd]);
      }),
    );
  }

  for (const [i, s] of SCENARIOS.entries()) {
    it(`reads the same: ${s.name}`, async () => {
      const results = await both(`probe${i}`, s.run, s.exec, ['sh', '-c', PROBE]);
      for (const x of results) assert.equal(x.code, 0, x.stderr);
      // Container ids (in cgroup paths) and host pids (the shim, seen with the host's pid
      // namespace) differ between the daemons by nature.
      const same = (out: string) => out.replace(/[0-9a-f]{64}/g, '<id>').replace(/ppid [1-9]\d*/, 'ppid <host pid>');
      // The native exec must hold pid 1's limits exactly; runc's may miss on nofile alone.
      assert.doesNotMatch(results[0]!.stdout, /limits: pid 1's but/);
      assert.equal(same(results[0]!.stdout), same(results[1]!.stdout).replace(RUNC_NOFILE_RACE, "limits: pid 1's\n"));
      assert.match(results[0]!.stdout, /^Seccomp:\s+(0|2)$/m);
      if (s.asPid1) assert.match(results[0]!.stdout, /ns mnt: pid 1's\nns pid: pid 1's/);
    });
  }

  it('the native daemon runs execs from a plan, the other through runc (so this file compares the two)', async () => {
    for (const d of [native, viaRunc]) await d.docker(['exec', '-d', 'probe0', 'sleep', '30']);
    const files = await Promise.all([native, viaRunc].map((d) => findFiles(d.execRoot, /^(exec\.plan|process\.json|seccomp-.*\.bpf)$/)));
    // The compiled filter is kept beside the container's shim state for its next execs.
    assert.deepEqual(
      files.map((f) => [...new Set(f.map((n) => n.replace(/^seccomp-[0-9a-f]{32}\.bpf$/, 'seccomp.bpf')))].sort()),
      [['exec.plan', 'seccomp.bpf'], ['process.json']],
    );
  });

  it('seccomp is on and is the container profile: the same syscalls refused', async () => {
    const probe = 'unshare -r true 2>&1; echo "unshare $?"; grep ^Seccomp: /proc/self/status';
    const results = await Promise.all([native, viaRunc].map((d) => d.docker(['exec', 'probe0', 'sh', '-c', probe])));
    assert.equal(results[0]!.stdout, results[1]!.stdout);
    assert.match(results[0]!.stdout, /^Seccomp:\s+2$/m);
    assert.match(results[0]!.stdout, /unshare [1-9]/);
  });

  it('the filter is the one runc loads: denied syscalls EPERM, ones newer than the profile ENOSYS', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-sysprobe-'));
    const bin = path.join(tmp, 'sysprobe');
    const results = await (async () => {
      const cc = await run('cc', ['-static', '-O2', '-o', bin, path.join(REPO, 'test/e2e/testdata/syscall-probe.c')]);
      assert.equal(cc.code, 0, cc.stderr);
      return Promise.all(
        [native, viaRunc].map(async (d) => {
          const cp = await d.docker(['cp', bin, 'probe0:/sysprobe']);
          assert.equal(cp.code, 0, cp.stderr);
          return d.docker(['exec', 'probe0', '/sysprobe']);
        }),
      );
    })().finally(() => fs.rm(tmp, { recursive: true, force: true }));
    assert.equal(results[0]!.stdout, results[1]!.stdout);
    assert.match(results[0]!.stdout, /^250: -1 1$/m, 'keyctl: EPERM (denied by the profile)');
    // mseal (462) exists on this kernel (EINVAL outside) but is newer than any syscall the profile
    // names that libseccomp knows: runc's stub answers ENOSYS, so a libc falls back.
    assert.match(results[0]!.stdout, /^462: -1 38$/m, 'mseal: ENOSYS from the stub');
  });

  it('fails as runc does: missing, not executable, a directory, a bad cwd (message and exit code)', async () => {
    const cases = [['nosuch'], ['/etc/passwd'], ['/etc'], ['/nosuch'], ['-w', '/nope', 'probe0', 'true']];
    for (const c of cases) {
      const args = c.length > 1 ? c : ['probe0', ...c];
      const [n, r] = await Promise.all([native, viaRunc].map((d) => d.docker(['exec', ...args])));
      assert.deepEqual([n!.code, n!.stderr], [r!.code, r!.stderr], `docker exec ${args.join(' ')}`);
      assert.ok(n!.code === 126 || n!.code === 127, `${args.join(' ')}: ${n!.code}`);
    }
  });

  it('a tty: the pty is the container\'s, owned by the exec user, and resizable', async () => {
    const probe = 'tty; stat -c "%u %a" $(tty); stty size';
    const results = await both('ttyc', [], ['-t', '-u', '1000'], ['sh', '-c', probe]);
    assert.equal(results[0]!.stdout, results[1]!.stdout);
    assert.match(results[0]!.stdout, /^\/dev\/pts\/\d+\r?\n1000 620/);
  });
});
