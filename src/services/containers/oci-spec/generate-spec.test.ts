import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { OciSeccomp, OciSpec } from '../../../core/runtime/oci-spec-types.js';
import { isKind } from '../../../errdefs/index.js';
import type { ContainerConfig, HostConfig } from '../../../spec/engine/types.js';
import { ALL_CAPABILITIES } from './capabilities.js';
import { mergeImageConfig } from './container-config.js';
import { DEFAULT_SECCOMP_PROFILE } from './daemon-facts.js';
import { generateSpec } from './generate-spec.js';
import type { DaemonFacts, SpecInput } from './spec-input.js';

interface Fixture {
  cases: Record<string, { docker: string; id: string; config: OciSpec }>;
  seccomp: Record<string, unknown>;
}
const fixture = JSON.parse(readFileSync(new URL('./testdata/docker-20.10-configs.json', import.meta.url), 'utf8')) as Fixture;

/** The busybox image the fixture was made from: `docker import -c 'CMD ["sh"]'`, with these etc files. */
const IMAGE = { Cmd: ['sh'] };
const USER_DB = {
  passwd: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n',
  group: 'root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nstaff:x:50:alice\naudio:x:29:alice,bob\n',
};

/** Facts of the machine the fixture was captured on; Docker 20.10 knew capabilities 0–37 only. */
const FACTS: DaemonFacts = {
  capabilities: ALL_CAPABILITIES.slice(0, 38),
  rlimits: { nofile: { soft: 20000, hard: 20000 } },
  cgroupParent: '/docker',
  seccompProfile: DEFAULT_SECCOMP_PROFILE,
  arch: 'amd64',
  kernel: [6, 18],
  ncpu: 2,
  cpusetCpus: '0-1',
  swapLimit: true,
  initPath: '/usr/bin/docker-init',
  hostDevices: [],
  hostname: 'vm',
};

function containerConfig(c: Partial<ContainerConfig>): ContainerConfig {
  return { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false, ArgsEscaped: null, ...c };
}

/** The Engine API request the docker CLI sends for each fixture case (with `--network none`). */
const CASES: Record<string, { c?: Partial<ContainerConfig>; h?: Partial<HostConfig>; shm?: boolean }> = {
  default: { c: { Cmd: ['true'] } },
  'user-alice': { c: { User: 'alice', Cmd: ['id'] } },
  'user-uidgid': { c: { User: '1000:50', Cmd: ['id'] } },
  'user-groupadd': { c: { User: 'alice', Cmd: ['id'] }, h: { GroupAdd: ['audio', '777'] } },
  'user-uidonly': { c: { User: '4242', Cmd: ['id'] } },
  'tty-env': { c: { Tty: true, Env: ['FOO=bar', 'EMPTY='], WorkingDir: '/tmp', Hostname: 'myhost', Cmd: ['env'] } },
  'path-env': { c: { Env: ['PATH=/bin:/x'], Cmd: ['env'] } },
  entrypoint: { c: { Entrypoint: ['/bin/echo'], Cmd: ['hi'] } },
  'entrypoint-empty': { c: { Entrypoint: [''], Cmd: ['echo', 'hi'] } },
  caps: { c: { Cmd: ['true'] }, h: { CapAdd: ['ALL'], CapDrop: ['CHOWN'] } },
  caps2: { c: { Cmd: ['true'] }, h: { CapAdd: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], CapDrop: ['CAP_MKNOD'] } },
  capsdropall: { c: { Cmd: ['true'] }, h: { CapAdd: ['CAP_CHOWN'], CapDrop: ['ALL'] } },
  privileged: { c: { Cmd: ['true'] }, h: { Privileged: true } },
  secopt: { c: { Cmd: ['true'] }, h: { SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'] } },
  readonly: { c: { Cmd: ['true'] }, h: { ReadonlyRootfs: true, Tmpfs: { '/run': 'size=1m', '/data': '' } } },
  resources: {
    c: { Cmd: ['true'] },
    h: {
      Memory: 64 * 1024 * 1024,
      MemorySwap: 128 * 1024 * 1024,
      NanoCpus: 1.5e9,
      CpuShares: 512,
      CpusetCpus: '0',
      PidsLimit: 100,
      Ulimits: [{ Name: 'nofile', Soft: 1000, Hard: 2000 }],
      ShmSize: 128 * 1024 * 1024,
    },
  },
  init: { c: { Cmd: ['true'] }, h: { Init: true } },
  memonly: { c: { Cmd: ['true'] }, h: { Memory: 32 * 1024 * 1024 } },
  nosuchcmd: { c: { Cmd: ['nosuch'] } },
  hostnet: { c: { Cmd: ['true'] }, h: { NetworkMode: 'host' } },
  hostns: { c: { Cmd: ['true'] }, h: { IpcMode: 'host', PidMode: 'host', UTSMode: 'host' } },
  ipcshareable: { c: { Cmd: ['true'] }, h: { IpcMode: 'shareable', ShmSize: 1024 ** 3 }, shm: true },
};

function inputFor(name: string, id: string): SpecInput {
  const k = CASES[name]!;
  const h: HostConfig = { Memory: 0, NetworkMode: 'none', ...k.h };
  const input: SpecInput = {
    id,
    config: mergeImageConfig(containerConfig(k.c ?? {}), IMAGE),
    hostConfig: h,
    rootfs: '<rootfs>',
    daemon: FACTS,
    userDb: USER_DB,
    etcFiles: { resolvConfPath: '<container>/resolv.conf', hostnamePath: '<container>/hostname', hostsPath: '<container>/hosts' },
  };
  if (k.shm) input.shmPath = '<container>/mounts/shm';
  return input;
}

/** Docker's config with shared seccomp blocks expanded, and the deviations we chose normalised. */
function expected(name: string): OciSpec {
  const spec = structuredClone(fixture.cases[name]!.config);
  const linux = spec.linux!;
  const sc = linux.seccomp as unknown as string | undefined;
  if (sc) linux.seccomp = structuredClone(fixture.seccomp[/<seccomp:(\w+)>/.exec(sc)![1]!]) as OciSeccomp;
  // Docker joins the host's netns by path for --network host; we leave the namespace out, which
  // is the same thing without a bind-mounted netns file.
  linux.namespaces = linux.namespaces!.filter((n) => !(n.type === 'network' && n.path === '<hostnetns>'));
  return spec;
}

describe('generateSpec matches Docker 20.10', () => {
  for (const name of Object.keys(fixture.cases)) {
    it(`${name}: docker ${fixture.cases[name]!.docker}`, () => {
      assert.ok(CASES[name], `no input written for fixture case ${name}`);
      const { spec } = generateSpec(inputFor(name, fixture.cases[name]!.id));
      // Docker 20.10 drops the profile's defaultErrnoRet (1 = EPERM, runc's default for
      // SCMP_ACT_ERRNO anyway); current moby keeps it, and so do we.
      if (spec.linux?.seccomp) {
        assert.equal(spec.linux.seccomp.defaultErrnoRet, 1);
        delete spec.linux.seccomp.defaultErrnoRet;
      }
      const want = expected(name);
      if (typeof want.linux?.devices === 'string') want.linux.devices = [];
      assert.deepEqual(spec, want);
    });
  }
});

describe('generateSpec input errors (Docker wording)', () => {
  const id = 'a'.repeat(64);
  const gen = (c: Partial<ContainerConfig>, h: Partial<HostConfig> = {}, facts: Partial<DaemonFacts> = {}) =>
    generateSpec({
      id,
      config: mergeImageConfig(containerConfig(c), IMAGE),
      hostConfig: { Memory: 0, ...h },
      rootfs: '/r',
      daemon: { ...FACTS, ...facts },
      userDb: USER_DB,
    });
  const rejects = (fn: () => unknown, kind: string, msg: RegExp) =>
    assert.throws(fn, (e: unknown) => isKind(e, kind as 'InvalidArgument') && msg.test((e as Error).message));

  it('rejects unknown users, groups and capabilities', () => {
    rejects(() => gen({ User: 'xyz' }), 'InvalidArgument', /^unable to find user xyz: no matching entries in passwd file$/);
    rejects(() => gen({ User: 'alice:nog' }), 'InvalidArgument', /^unable to find group nog: no matching entries in group file$/);
    rejects(() => gen({}, { GroupAdd: ['nog'] }), 'InvalidArgument', /^Unable to find group nog$/);
    rejects(() => gen({}, { CapAdd: ['FOO'] }), 'InvalidArgument', /^unknown capability: "CAP_FOO"$/);
  });

  it('rejects bad resources and ulimits', () => {
    rejects(() => gen({}, { Memory: 1024 }), 'InvalidArgument', /^Minimum memory limit allowed is 6MB$/);
    rejects(() => gen({}, { Memory: 64 << 20, MemorySwap: 32 << 20 }), 'InvalidArgument', /memoryswap limit should be larger/);
    rejects(() => gen({}, { NanoCpus: 3e9 }), 'InvalidArgument', /^Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available$/);
    rejects(() => gen({}, { CpusetCpus: '0-3' }), 'InvalidArgument', /^Requested CPUs are not available - requested 0-3, available: 0-1$/);
    rejects(() => gen({}, { Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 30000 }] }), 'InvalidArgument', /exceeds the daemon's own hard limit 20000/);
    rejects(() => gen({}, { Ulimits: [{ Name: 'nofile', Soft: 200, Hard: 100 }] }), 'InvalidArgument', /soft limit must be less than or equal/);
    rejects(() => gen({}, { Tmpfs: { '/x': 'bogus' } }), 'InvalidArgument', /^Invalid tmpfs option \["bogus"\]$/);
    rejects(() => gen({}, { SecurityOpt: ['foo=bar'] }), 'InvalidArgument', /^invalid --security-opt 2: "foo=bar"$/);
  });

  it('rejects an empty command and a missing init binary', () => {
    rejects(() => mergeImageConfig(containerConfig({ Entrypoint: [''] }), {}), 'InvalidArgument', /^No command specified$/);
    rejects(() => gen({}, { Init: true }, { initPath: undefined }), 'Unavailable', /--init/);
  });

  it('gives privileged containers only the capabilities the daemon holds', () => {
    const available = ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
    const { spec } = gen({}, { Privileged: true }, { capabilities: available });
    assert.deepEqual(spec.process?.capabilities?.bounding, available);
    assert.equal(spec.linux?.seccomp, undefined);
    assert.equal(spec.linux?.maskedPaths, undefined);
  });

  it('lets exec beat the default noexec on a tmpfs and keeps the last size', () => {
    const { spec } = gen({}, { Tmpfs: { '/x': 'exec,size=1m,size=2m,mode=1777' } });
    assert.deepEqual(spec.mounts?.find((m) => m.destination === '/x')?.options, ['nosuid', 'nodev', 'rprivate', 'exec', 'size=2m', 'mode=1777']);
  });
});
