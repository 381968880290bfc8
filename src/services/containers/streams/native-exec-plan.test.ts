import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OciProcess, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import { encodePlan, NoNativePlan, nativeExecRecords } from './native-exec-plan.js';

const proc = (over: Partial<OciProcess> = {}): OciProcess => ({
  args: ['sh', '-c', 'echo hi'],
  env: ['PATH=/bin', 'A=1', 'A=2'],
  cwd: '/',
  user: { uid: 1000, gid: 1000, additionalGids: [50] },
  capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: [], permitted: [] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }],
  noNewPrivileges: true,
  oomScoreAdj: 0,
  ...over,
});

const spec = (over: Partial<OciSpec['linux']> = {}): OciSpec => ({
  ociVersion: '1.0.2',
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/run/netns/x' }],
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    },
    ...over,
  },
});

const init = { pid: 42, start: '12345', cgroupPaths: ['/sys/fs/cgroup/pids/wharf/x', '/sys/fs/cgroup/unified/wharf/x'] };
const passwd = 'root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n';

const records = (p = proc(), s = spec(), cacheDir?: string) =>
  nativeExecRecords({ containerId: 'c1', process: p, spec: s, init, passwd, seccompCacheDir: cacheDir });
const values = (r: [string, string][], key: string) => r.filter(([k]) => k === key).map(([, v]) => v);

describe('native exec plan', () => {
  it('resolves the process, the namespaces and the filter into plain values', () => {
    const r = records();
    assert.deepEqual(values(r, 'pid'), ['42']);
    assert.deepEqual(values(r, 'start'), ['12345']);
    assert.deepEqual(values(r, 'ns'), [String(0x20000000 | 0x00020000 | 0x40000000)]);
    assert.deepEqual(values(r, 'cgroup'), init.cgroupPaths);
    assert.deepEqual(values(r, 'arg'), ['sh', '-c', 'echo hi']);
    assert.deepEqual(values(r, 'group'), ['50']);
    assert.deepEqual(values(r, 'cap.bounding'), [((1n << 0n) | (1n << 5n)).toString(16)]);
    assert.deepEqual(values(r, 'cap.effective'), ['0']);
    assert.deepEqual(values(r, 'rlimit'), ['7 1024 2048']);
    assert.deepEqual(values(r, 'nnp'), ['1']);
    assert.deepEqual(values(r, 'keyring'), ['_ses.c1']);
    assert.deepEqual(values(r, 'seccomp.default'), ['SCMP_ACT_ERRNO -1']);
    assert.deepEqual(values(r, 'seccomp.rule'), [
      'SCMP_ACT_ALLOW -1 read',
      'SCMP_ACT_ALLOW -1 write',
      'SCMP_ACT_ALLOW -1 clone 0 SCMP_CMP_MASKED_EQ 2114060288 0',
      'SCMP_ACT_ERRNO 38 clone3',
    ]);
    assert.deepEqual(values(r, 'seccomp.cache'), []);
  });

  it('sets the environment as runc does: one entry per name, HOME from passwd when unset', () => {
    assert.deepEqual(values(records(), 'env'), ['PATH=/bin', 'A=2', 'HOME=/home/u']);
    assert.deepEqual(values(records(proc({ env: ['HOME=/x'] })), 'env'), ['HOME=/x']);
    const stranger = proc({ env: [], user: { uid: 4242, gid: 0 } });
    assert.deepEqual(values(records(stranger), 'env'), ['HOME=/']);
  });

  it('names the filter cache by the filter: the same profile, the same file; another, another', () => {
    const a = values(records(proc(), spec(), '/run/s/c1'), 'seccomp.cache');
    const b = values(records(proc({ args: ['true'] }), spec(), '/run/s/c1'), 'seccomp.cache');
    const other = spec();
    other.linux!.seccomp!.defaultAction = 'SCMP_ACT_KILL';
    const c = values(records(proc(), other, '/run/s/c1'), 'seccomp.cache');
    assert.match(a[0]!, /^\/run\/s\/c1\/seccomp-[0-9a-f]{32}\.bpf$/);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('makes no plan for what the shim does not implement (the exec then goes through runc)', () => {
    assert.throws(() => records(proc(), spec({ namespaces: [{ type: 'user' }] })), NoNativePlan);
    assert.throws(() => records(proc(), spec({ namespaces: [{ type: 'pid' }] })), NoNativePlan, 'no mount namespace');
    assert.throws(() => records(proc({ selinuxLabel: 'x' })), NoNativePlan);
    assert.throws(() => records(proc({ capabilities: { bounding: ['CAP_NOPE'] } })), NoNativePlan);
    assert.throws(() => records(proc({ rlimits: [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }] })), NoNativePlan);
    assert.throws(() => records(proc({ env: ['=x'] })), NoNativePlan);
    const notify = spec();
    notify.linux!.seccomp!.listenerPath = '/run/x.sock';
    assert.throws(() => records(proc(), notify), NoNativePlan);
    assert.throws(() => encodePlan([['arg', 'a\0b']]), NoNativePlan);
  });

  it('encodes key and value as NUL-terminated strings', () => {
    assert.deepEqual(encodePlan([['arg', 'a b'], ['env', 'X=']]), Buffer.from('arg\0a b\0env\0X=\0'));
  });
});
