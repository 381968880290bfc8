/**
 * The leak check of issue 5, with the real docker CLI against a private wharfd: a sequence of
 * runs with published ports (tcp and udp, fixed and random, `-P`), user networks, connect and
 * disconnect, a start that fails on a taken port, `rm -f`, a daemon crash (SIGKILL) during
 * which a container dies, a restart, `rm -f` of everything and `network prune`. Afterwards no
 * namespace (nor its mount), veth, user bridge, published-port rule, proxy listener or wharf-proxy
 * process of the daemon is left (those of the crashed daemon die with it), every address went back to its pool, and a stop removes the default bridge
 * and our chains.
 * The veths are known by name from the daemon's sandbox records, read during the sequence: a
 * veth left outside any bridge carries no tag to find it by.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { netTag } from '../../src/plugins/network/host-facts.js';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { defaultBridgeOf, eventually, freePort, hostObjectsOf, httpdServing, httpGet, listenersOf, ok, portHeld } from './network.fixture.js';

/** Temp dirs of this file (a proxy built for the run). */
const scratch: string[] = [];
after(cleanupFixture);
after(async () => {
  for (const dir of scratch) await fs.rm(dir, { recursive: true, force: true });
});

describe('no networking leak across runs, a crash and a restart', () => {
  let d: TestDaemon;
  /** Every veth the daemon's sandbox records named during the sequence. */
  const veths = new Set<string>();
  /** Every host port the sequence published (or tried to). */
  const ports: number[] = [];
  const userBridges = new Set<string>();

  /** Reads the daemon's sandbox records and remembers their host-side veths. */
  async function noteVeths(): Promise<void> {
    const dir = path.join(d.execRoot, 'network', 'sandboxes');
    for (const f of await fs.readdir(dir).catch(() => [] as string[])) {
      const sb = JSON.parse(await fs.readFile(path.join(dir, f), 'utf8').catch(() => '{}')) as { endpoints?: Array<{ hostIf: string }> };
      for (const ep of sb.endpoints ?? []) veths.add(ep.hostIf);
    }
  }

  /** Pids of the daemon's wharf-proxy children (its published TCP ports, one process each). */
  async function proxyChildren(daemonPid: number): Promise<number[]> {
    const out: number[] = [];
    for (const pid of await fs.readdir('/proc')) {
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
      // "pid (comm) state ppid …": comm may hold spaces, so split after its closing parenthesis.
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m?.[1] === 'wharf-proxy' && Number(m[2]) === daemonPid) out.push(Number(pid));
    }
    return out;
  }
  const alive = (pid: number) => fs.access(`/proc/${pid}`).then(() => true, () => false);

  const port = async () => {
    const p = await freePort();
    ports.push(p);
    return p;
  };

  before(async () => {
    // The daemon runs TCP proxies from dist/wharf-proxy; in a tree not built yet, one compiled
    // for this run (the daemon inherits WHARF_PROXY_PATH), so the proxy checks below still bite.
    const dist = path.join(import.meta.dirname, '../../dist/wharf-proxy');
    if (!process.env.WHARF_PROXY_PATH && !(await fs.access(dist).then(() => true, () => false))) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-leak-proxy-'));
      scratch.push(dir);
      const r = await run('bash', [path.join(import.meta.dirname, '../../scripts/build-shim.sh'), path.join(dir, 'wharf-shim')]);
      assert.equal(r.code, 0, r.stderr);
      process.env.WHARF_PROXY_PATH = path.join(dir, 'wharf-proxy');
    }
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await removeAllContainers(d);
    await d.docker(['network', 'prune', '-f']);
    await d.destroy();
  });

  it('runs containers with ports and user networks, connects and disconnects them, and fails a start', async () => {
    for (const n of ['leak-a', 'leak-b']) {
      await ok(d, ['network', 'create', n]);
      userBridges.add(`br-${(await ok(d, ['network', 'inspect', n, '--format', '{{.Id}}'])).slice(0, 12)}`);
    }
    const [p1, p2, p3] = [await port(), await port(), await port()];
    await ok(d, ['run', '-d', '--name', 'web1', '-p', `127.0.0.1:${p1}:80`, '-p', `${p2}:53/udp`, 'busybox', ...httpdServing('one')]);
    await ok(d, ['run', '-d', '--name', 'web2', '--network', 'leak-a', '--network-alias', 'w2', '-p', `${p3}:80`, '-P', '--expose', '81', 'busybox', ...httpdServing('two')]);
    ports.push(Number(/:(\d+)$/.exec(await ok(d, ['port', 'web2', '81']))![1]));
    await ok(d, ['run', '-d', '--name', 'hub', 'busybox', 'sleep', '300']);
    await ok(d, ['network', 'connect', 'leak-a', 'hub']);
    await ok(d, ['network', 'connect', '--alias', 'x', 'leak-b', 'hub']);
    await noteVeths();
    await ok(d, ['network', 'disconnect', 'leak-a', 'hub']);
    assert.deepEqual((await ok(d, ['exec', 'hub', 'ls', '/sys/class/net'])).split(/\s+/).sort(), ['eth0', 'eth2', 'lo'], 'eth1 (leak-a) is gone');
    assert.equal((await httpGet(`http://127.0.0.1:${p1}/`)).body, 'one\n');
    assert.equal((await httpGet(`http://127.0.0.1:${p3}/`)).body, 'two\n');
    await ok(d, ['run', '--rm', '-p', `${await port()}:80`, '--network', 'leak-b', 'busybox', 'true']);
    // A start that fails on its second port: the first one's listener and rules must go too.
    const taken = net.createServer();
    const p5 = await port();
    await new Promise<void>((r) => taken.listen(p5, '0.0.0.0', () => r()));
    try {
      const p4 = await port();
      const r = await d.docker(['run', '-d', '--name', 'half', '-p', `${p4}:80`, '-p', `${p5}:81`, 'busybox', 'sleep', '300']);
      assert.match(r.stderr, /address already in use/);
      assert.ok(!(await portHeld(p4)), 'the first port of the failed start is not listened on');
    } finally {
      await new Promise((r) => taken.close(r));
    }
    await noteVeths();
    await ok(d, ['rm', '-f', 'web1']);
    assert.ok(veths.size >= 4, [...veths].join(' '));
  });

  it('survives a crash in which a container dies, and leaves nothing after rm -f and network prune', async () => {
    const web2Pid = Number(await ok(d, ['inspect', 'web2', '--format', '{{.State.Pid}}']));
    const proxies = await proxyChildren(d.proc.pid!);
    assert.ok(proxies.length >= 2, `web2's TCP ports run in wharf-proxy processes (found ${proxies.length}; built?)`);
    await d.kill();
    // The proxies die with the daemon (PR_SET_PDEATHSIG): none survives to hold a port.
    await eventually(async () => (await Promise.all(proxies.map(alive))).every((a) => !a), 'the dead daemon\'s proxies are gone');
    // web2 dies while no daemon watches: its namespace, veth, rules and proxies are stale now.
    process.kill(web2Pid, 'SIGKILL');
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    await eventually(async () => (await ok(d, ['inspect', 'web2', '--format', '{{.State.Status}}'])) === 'exited', 'web2 is recorded as exited');
    await noteVeths();
    const ids = (await ok(d, ['ps', '-aq'])).split('\n').filter(Boolean);
    await ok(d, ['rm', '-f', ...ids]);
    const pruned = await ok(d, ['network', 'prune', '-f']);
    assert.match(pruned, /leak-a/);
    assert.match(pruned, /leak-b/);
    const bridge = await defaultBridgeOf(d);
    const mine = [bridge, ...userBridges];
    await eventually(async () => {
      const o = await hostObjectsOf(d, mine);
      return o.netns.length === 0 && o.links.every((l) => l === bridge);
    }, 'only the default bridge is left');
    const o = await hostObjectsOf(d, mine);
    assert.deepEqual(o.links, [bridge]);
    assert.ok(!o.rules.some((r) => /--dport|-j DNAT|br-/.test(r)), o.rules.join('\n'));
    const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
    assert.deepEqual([...veths].filter((v) => links.includes(` ${v}@`) || links.includes(` ${v}:`)), [], 'no veth of the daemon is left');
    assert.deepEqual(await listenersOf(d.proc.pid!), [], 'no proxy or DNS listener is left in the daemon');
    assert.deepEqual(await proxyChildren(d.proc.pid!), [], 'no wharf-proxy process is left');
    // Named namespaces are bind mounts (/run/netns/…); the containers' rootfs are under the roots.
    const mounts = (await fs.readFile('/proc/mounts', 'utf8')).split('\n');
    const tag = netTag(d.dataRoot);
    assert.deepEqual(mounts.filter((m) => m.includes(`wh-${tag}-`) || m.includes(d.dataRoot) || m.includes(d.execRoot)), []);
    for (const p of ports) assert.ok(!(await portHeld(p)), `nothing listens on published port ${p}`);
    // Every address went back: the next container gets the pool's first address again.
    const gw = await ok(d, ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}']);
    const first = gw.replace(/\d+$/, (n) => String(Number(n) + 1));
    assert.match(await ok(d, ['run', '--rm', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']), new RegExp(`inet ${first.replace(/\./g, '\\.')}/`));
  });

  it('removes the default bridge and its chains when it stops with no container running', async () => {
    const bridge = await defaultBridgeOf(d);
    await d.stop();
    assert.deepEqual(await hostObjectsOf(d, [bridge, ...userBridges]), { netns: [], links: [], rules: [] });
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
  });
});
