/**
 * Insecure registries end to end, against the real docker CLI and, for the wording and the
 * defaults, a private real dockerd:
 * - a plain-HTTP `wharf registry` on an address that is not loopback — inside a network
 *   namespace of this test, reached over a veth pair from a private /24 clear of the host's
 *   routes — is refused by a wharfd without `--insecure-registry` with dockerd's exact message,
 *   and pushed to and pulled from with `--insecure-registry host:port` and with a CIDR;
 * - `docker info` and `/info`'s RegistryConfig list the insecure registries as dockerd does;
 * - a registry whose name resolves to a loopback address (`localhost`, and this machine's host
 *   name when it resolves to 127.0.0.1) is used over plain HTTP without any flag, as dockerd's
 *   isSecureIndex decides.
 * Everything the test creates (namespace, veth, registries, daemons) is removed in `after`, also
 * when a step failed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatIPv4, parseIPv4, pickFreeSubnet } from '../../src/core/network/ipv4.js';
import { hostTakenPrefixes } from '../../src/plugins/network/host-facts.js';
import { layerTar, legacyArchive, makeImage, type TestImage } from '../../src/services/images/testsuite.js';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { entry, REPO, run, startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { loadImages, type RegistryProcess, startRegistry } from './distribution-fixtures.js';

const id = randomBytes(3).toString('hex');
const NS = `wir-${id}`;
const UPLINK = `wiu${id}`;

/** dockerd 20.10's RegistryConfig with no `--insecure-registry` (checked against it below). */
const DOCKER_IO = { Name: 'docker.io', Mirrors: [], Secure: true, Official: true };
const insecureIndex = (name: string) => ({ Name: name, Mirrors: [], Secure: false, Official: false });
const registryConfig = (cidrs: string[], indexes: Record<string, unknown>) => ({
  AllowNondistributableArtifactsCIDRs: [],
  AllowNondistributableArtifactsHostnames: [],
  InsecureRegistryCIDRs: cidrs,
  IndexConfigs: indexes,
  Mirrors: [],
});

/** A one-layer image, distinct per `label`. */
async function smallImage(label: string): Promise<TestImage> {
  return makeImage([await layerTar({ 'hello.txt': Buffer.from(`hello ${label}\n`) })], { config: { Cmd: ['sh'], Labels: { v: label } } });
}

/** `/info`'s RegistryConfig straight from the API (the CLI's `{{json}}` drops fields it has no type for). */
function registryConfigOf(socketPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: '/v1.41/info' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`/info answered ${res.statusCode}: ${body}`));
          else resolve((JSON.parse(body) as { RegistryConfig: unknown }).RegistryConfig);
        });
      })
      .on('error', reject);
  });
}

/** The `Insecure Registries:` block of `docker info`. */
async function insecureLines(d: TestDaemon): Promise<string[]> {
  const r = await d.docker(['info']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const start = lines.indexOf(' Insecure Registries:');
  assert.ok(start >= 0, r.stdout);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('  ')) break;
    out.push(l.trim());
  }
  return out;
}

describe('insecure registries by flag, on an address that is not loopback', () => {
  let dir = '';
  let inside = '';
  let cidr = '';
  let host = '';
  let registry: ChildProcess | undefined;
  let regLog = '';
  let netCreated = false;
  let plain: TestDaemon | undefined;
  let byName: TestDaemon | undefined;
  let byCidr: TestDaemon | undefined;
  let real: RealDockerd | undefined;
  let image: TestImage;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-insec-'));
    // 10.239.0.0/16 is used by nothing else in the suite; take a /24 no host route overlaps.
    const cands = Array.from({ length: 256 }, (_, i) => ({ base: parseIPv4(`10.239.${i}.0`)!, prefix: 24 }));
    const subnet = pickFreeSubnet(cands, await hostTakenPrefixes(), Number.parseInt(id, 16) % 256);
    assert.ok(subnet, 'no free /24 in 10.239.0.0/16');
    const outside = formatIPv4(subnet.base + 1);
    inside = formatIPv4(subnet.base + 2);
    cidr = `${formatIPv4(subnet.base)}/24`;
    host = `${inside}:5000`;
    netCreated = true;
    const hostSide = [`netns add ${NS}`, `link add ${UPLINK} type veth peer name up0 netns ${NS}`, `addr add ${outside}/24 dev ${UPLINK}`, `link set ${UPLINK} up`];
    const r1 = await run('ip', ['-batch', '-'], { input: `${hostSide.join('\n')}\n` });
    assert.equal(r1.code, 0, r1.stderr);
    const nsSide = ['link set lo up', `addr add ${inside}/24 dev up0`, 'link set up0 up'];
    const r2 = await run('ip', ['-n', NS, '-batch', '-'], { input: `${nsSide.join('\n')}\n` });
    assert.equal(r2.code, 0, r2.stderr);
    // `ip netns exec` execs the command, so the child's pid is the registry's own.
    const argv = ['netns', 'exec', NS, process.execPath, ...entry('wharf'), 'registry', 'serve', '--addr', host, '--root', path.join(dir, 'registry'), '--insecure'];
    registry = spawn('ip', argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    registry.stdout!.on('data', (b: Buffer) => (regLog += b.toString()));
    registry.stderr!.on('data', (b: Buffer) => (regLog += b.toString()));
    const started = await Promise.allSettled([
      startWharfd(),
      startWharfd({ extraArgs: ['--insecure-registry', host] }),
      startWharfd({ extraArgs: ['--insecure-registry', cidr] }),
      startRealDockerd(),
    ] as const);
    // Keep whatever did start, so that `after` stops it even if another one failed to.
    [plain, byName, byCidr, real] = [value(started[0]), value(started[1]), value(started[2]), value(started[3])];
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    await waitForHttp(`http://${host}/v2/`, registry);
    image = await smallImage(id);
    const tags = [`${host}/team/x:1`];
    await Promise.all([loadImages(plain!, [{ image, tags }]), loadImages(byName!, [{ image, tags }])]);
    const archive = path.join(dir, 'x.tar');
    await fs.writeFile(archive, await legacyArchive([{ image, tags }]));
    const l = await real!.docker(['load', '-i', archive]);
    assert.equal(l.code, 0, l.stderr);
  });

  after(async () => {
    await Promise.allSettled([plain?.destroy(), byName?.destroy(), byCidr?.destroy(), real?.stop()]);
    if (registry && registry.exitCode === null && registry.signalCode === null) {
      const exited = new Promise((r) => registry!.once('exit', r));
      registry.kill('SIGTERM');
      await exited;
    }
    if (netCreated) await run('ip', ['-force', '-batch', '-'], { input: `link del ${UPLINK}\nnetns del ${NS}\n` });
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('pushes and pulls over plain HTTP with --insecure-registry host:port', async () => {
    const push = await byName!.docker(['push', `${host}/team/x:1`]);
    assert.equal(push.code, 0, push.stderr + regLog.slice(-2000));
    assert.match(regLog, /method="PUT" path="\/v2\/team\/x\/manifests\/1" status=201/);
    assert.equal((await byName!.docker(['rmi', `${host}/team/x:1`])).code, 0);
    const pull = await byName!.docker(['pull', `${host}/team/x:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`Status: Downloaded newer image for ${host}/team/x:1`));
    const inspect = await byName!.docker(['image', 'inspect', '-f', '{{.Id}}', `${host}/team/x:1`]);
    assert.equal(inspect.stdout.trim(), image.id);
  });

  it('pulls and pushes with a CIDR (--insecure-registry 10.239.N.0/24)', async () => {
    const pull = await byCidr!.docker(['pull', `${host}/team/x:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await byCidr!.docker(['image', 'inspect', '-f', '{{.Id}}', `${host}/team/x:1`])).stdout.trim(), image.id);
    assert.equal((await byCidr!.docker(['tag', `${host}/team/x:1`, `${host}/team/y:2`])).code, 0);
    const push = await byCidr!.docker(['push', `${host}/team/y:2`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(regLog, /method="PUT" path="\/v2\/team\/y\/manifests\/2" status=201/);
  });

  it('refuses the plain-HTTP registry without the flag, in dockerd’s words', async () => {
    const want = `Error response from daemon: Get "https://${host}/v2/": http: server gave HTTP response to HTTPS client`;
    const [ours, theirs] = await Promise.all([plain!.docker(['pull', `${host}/team/x:1`]), real!.docker(['pull', `${host}/team/x:1`])]);
    assert.equal(theirs.stderr.trim(), want, 'real dockerd');
    assert.equal(ours.code, 1);
    assert.equal(ours.stderr.trim(), want);
    const [ourPush, theirPush] = await Promise.all([plain!.docker(['push', `${host}/team/x:1`]), real!.docker(['push', `${host}/team/x:1`])]);
    assert.equal(ourPush.code, theirPush.code);
    assert.equal(ourPush.stdout, theirPush.stdout);
    assert.equal(ourPush.stderr, theirPush.stderr);
    assert.equal((await plain!.docker(['image', 'inspect', `${host}/team/y:2`])).code, 1, 'nothing was pulled');
  });

  it('lists the insecure registries in docker info and /info as dockerd does', async () => {
    assert.deepEqual(await registryConfigOf(plain!.socket), await registryConfigOf(real!.socketPath));
    assert.deepEqual(await registryConfigOf(plain!.socket), registryConfig(['127.0.0.0/8'], { 'docker.io': DOCKER_IO }));
    assert.deepEqual(await registryConfigOf(byName!.socket), registryConfig(['127.0.0.0/8'], { [host]: insecureIndex(host), 'docker.io': DOCKER_IO }));
    assert.deepEqual(await registryConfigOf(byCidr!.socket), registryConfig([cidr, '127.0.0.0/8'], { 'docker.io': DOCKER_IO }));
    assert.deepEqual(await insecureLines(plain!), ['127.0.0.0/8']);
    assert.deepEqual(await insecureLines(byName!), [host, '127.0.0.0/8']);
    assert.deepEqual(await insecureLines(byCidr!), [cidr, '127.0.0.0/8']);
  });
});

describe('a registry name that resolves to loopback is insecure without a flag', () => {
  let reg: RegistryProcess | undefined;
  let w: TestDaemon | undefined;
  let real: RealDockerd | undefined;
  let port = '';
  let image: TestImage;

  before(async () => {
    const started = await Promise.allSettled([startRegistry('wharf'), startWharfd(), startRealDockerd()] as const);
    [reg, w, real] = [value(started[0]), value(started[1]), value(started[2])];
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    port = reg!.host.split(':')[1]!;
    image = await smallImage(`loop-${id}`);
    await loadImages(w!, [{ image, tags: [`localhost:${port}/loop/a:1`] }]);
  });
  after(async () => {
    await Promise.allSettled([reg?.destroy(), w?.destroy(), real?.stop()]);
  });

  it('pushes to and pulls from localhost:PORT over plain HTTP, as dockerd', async () => {
    const push = await w!.docker(['push', `localhost:${port}/loop/a:1`]);
    assert.equal(push.code, 0, push.stderr);
    assert.equal((await w!.docker(['rmi', `localhost:${port}/loop/a:1`])).code, 0);
    const pull = await w!.docker(['pull', `localhost:${port}/loop/a:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    const theirs = await real!.docker(['pull', `localhost:${port}/loop/a:1`]);
    assert.equal(theirs.code, 0, `dockerd pulls from localhost without a flag too: ${theirs.stderr}`);
    assert.equal(lastLine(pull.stdout), lastLine(theirs.stdout));
  });

  it('resolves other names: this host name, when it resolves to 127.0.0.1, is insecure too', async (t) => {
    const name = os.hostname().toLowerCase();
    const addrs = await dns.lookup(name, { all: true }).catch(() => []);
    if (name === 'localhost' || addrs.length === 0 || !addrs.some((a) => a.address.startsWith('127.'))) {
      t.skip(`${name} does not resolve to a 127.0.0.0/8 address here`);
      return;
    }
    // Before the look-up was implemented this was refused: only `localhost` and literal IPs counted.
    const ref = `${name}:${port}/loop/a:1`;
    const pull = await w!.docker(['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    const theirs = await real!.docker(['pull', ref]);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(lastLine(pull.stdout), ref);
    assert.equal((await w!.docker(['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim(), image.id);
  });
});

function value<T>(r: PromiseSettledResult<T>): T | undefined {
  return r.status === 'fulfilled' ? r.value : undefined;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

async function waitForHttp(url: string, proc: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (proc.exitCode !== null) throw new Error(`registry exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error(`registry did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
