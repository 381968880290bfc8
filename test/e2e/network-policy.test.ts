/**
 * wharfd next to another engine's firewall with a FORWARD policy of DROP. The daemon runs in a
 * network namespace of this test (its own iptables, its own ip_forward), with Docker-like chains
 * (DOCKER-USER, DOCKER-ISOLATION-*, a DOCKER nat chain) and policy DROP set up first, and an
 * uplink veth to the host as "the outside": published ports are reached from outside and on
 * the namespace's loopback, containers reach outside and each other, and after the daemon stops
 * the other engine's chains are exactly as they were.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatIPv4, parseIPv4, pickFreeSubnet } from '../../src/core/network/ipv4.js';
import { hostTakenPrefixes, netTag } from '../../src/plugins/network/host-facts.js';
import { DOCKER, entry, REPO, run, waitForSocket } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, shimBinary } from './containers-lifecycle.fixture.js';
import { eventually, httpdServing } from './network.fixture.js';

after(cleanupFixture);

const id = randomBytes(3).toString('hex');
const NS = `wtf-${id}`;
const UPLINK = `wtu${id}`;
let outside = '';
let inside = '';

/** Runs a command in the test namespace. */
const inNs = (cmd: string, args: string[], input?: string) => run('ip', ['netns', 'exec', NS, cmd, ...args], input === undefined ? {} : { input });

/** The other engine's firewall, as Docker leaves it, plus policy DROP. */
const FOREIGN = [
  '*filter',
  ':FORWARD DROP [0:0]',
  ':DOCKER - [0:0]',
  ':DOCKER-ISOLATION-STAGE-1 - [0:0]',
  ':DOCKER-USER - [0:0]',
  '-A FORWARD -j DOCKER-USER',
  '-A FORWARD -j DOCKER-ISOLATION-STAGE-1',
  '-A DOCKER-ISOLATION-STAGE-1 -i docker9 ! -o docker9 -j DROP',
  '-A DOCKER-ISOLATION-STAGE-1 -j RETURN',
  '-A DOCKER-USER -j RETURN',
  'COMMIT',
  '*nat',
  ':DOCKER - [0:0]',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
  '-A DOCKER -i docker9 -j RETURN',
  'COMMIT',
  '',
].join('\n');

async function iptablesSave(): Promise<string> {
  const out = (await inNs('iptables-save', [])).stdout;
  // Counters and comments change on their own.
  return out
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''))
    .join('\n');
}

describe('coexisting with another engine and a FORWARD policy of DROP', () => {
  let dir: string;
  let daemon: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let log = '';
  const docker = (args: string[]) => run(DOCKER, args, { env });

  before(async () => {
    const cands = Array.from({ length: 256 }, (_, i) => ({ base: parseIPv4(`10.238.${i}.0`)!, prefix: 24 }));
    const subnet = pickFreeSubnet(cands, await hostTakenPrefixes(), Number.parseInt(id, 16) % 256)!;
    [outside, inside] = [formatIPv4(subnet.base + 1), formatIPv4(subnet.base + 2)];
    const host = [`netns add ${NS}`, `link add ${UPLINK} type veth peer name up0 netns ${NS}`, `addr add ${outside}/24 dev ${UPLINK}`, `link set ${UPLINK} up`];
    assert.equal((await run('ip', ['-batch', '-'], { input: `${host.join('\n')}\n` })).code, 0);
    const ns = ['link set lo up', `addr add ${inside}/24 dev up0`, 'link set up0 up', `route add default via ${outside}`];
    assert.equal((await run('ip', ['-n', NS, '-batch', '-'], { input: `${ns.join('\n')}\n` })).code, 0);
    assert.equal((await inNs('iptables-restore', ['--noflush'], FOREIGN)).code, 0);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-pol-'));
    const sock = path.join(dir, 'w.sock');
    const args = ['--host', `unix://${sock}`, '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'w.pid')];
    // nsenter switches only the network namespace: mounts stay in the host's, as for any daemon.
    daemon = spawn('nsenter', [`--net=/run/netns/${NS}`, process.execPath, ...entry('wharfd'), ...args], {
      cwd: REPO,
      env: { ...process.env, WHARF_SHIM_PATH: await shimBinary() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout!.on('data', (b) => (log += b));
    daemon.stderr!.on('data', (b) => (log += b));
    await waitForSocket(sock, 30_000, daemon);
    env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: path.join(dir, 'cfg') };
    assert.equal((await docker(['load', '-i', await busyboxArchive()])).code, 0);
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids]);
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    await run('ip', ['-force', '-batch', '-'], { input: `link del ${UPLINK}\nnetns del ${NS}\n` });
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('serves a published port to the outside and on loopback, and lets containers out and to each other', async () => {
    const r = await docker(['run', '-d', '--name', 'web', '-p', '8080:80', 'busybox', ...httpdServing('through-drop')]);
    assert.equal(r.code, 0, r.stderr + log);
    // From outside the namespace: PREROUTING DNAT, then FORWARD (policy DROP) must let it through.
    const got = await new Promise<string>((resolve, reject) => {
      http.get(`http://${inside}:8080/`, { timeout: 5000 }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d)).on('end', () => resolve(b));
      }).on('error', reject);
    });
    assert.equal(got, 'through-drop\n');
    assert.equal((await inNs('busybox', ['wget', '-qO-', 'http://127.0.0.1:8080/'])).stdout, 'through-drop\n');
    // Out of the namespace (to the host side of the uplink), masqueraded to the uplink address.
    const server = http.createServer((q, s) => s.end(q.socket.remoteAddress));
    await new Promise<void>((res) => server.listen(18765, outside, () => res()));
    try {
      const out = await docker(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${outside}:18765/`]);
      assert.equal(out.stdout, inside, out.stderr);
    } finally {
      server.close();
    }
    const ip = (await docker(['inspect', 'web', '--format', '{{.NetworkSettings.IPAddress}}'])).stdout.trim();
    assert.equal((await docker(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${ip}/`])).stdout, 'through-drop\n');
  });

  it("leaves the other engine's chains as they were", async () => {
    const foreign = (text: string) =>
      text
        .split('\n')
        .filter((l) => !l.includes('WHARF-'))
        .join('\n');
    const during = await iptablesSave();
    assert.match(during, /-A FORWARD -j WHARF-FWD-/);
    const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]);
    daemon!.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
    const afterStop = await iptablesSave();
    assert.doesNotMatch(afterStop, /WHARF-/, 'our chains and jumps are gone');
    assert.equal(foreign(afterStop), foreign(during), 'nothing else changed');
    assert.match(afterStop, /:FORWARD DROP/);
    assert.match(afterStop, /-A DOCKER-ISOLATION-STAGE-1 -i docker9 ! -o docker9 -j DROP/);
    const tag = netTag(path.join(dir, 'data'));
    await eventually(async () => !(await run('ip', ['netns', 'list'])).stdout.includes(`wh-${tag}-`), 'the containers\' namespaces are gone');
  });
});
