/**
 * Published ports with the real docker CLI against a private wharfd: a busybox httpd reachable
 * from the host at 127.0.0.1 (userland proxy) and at the host's own address (DNAT), random host
 * ports with `docker port`, `-P`, ps and inspect views, and the failures Docker reports for a
 * host port that is taken — with nothing left behind.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { defaultBridgeOf, freePort, hostAddress, hostObjectsOf, httpdServing, httpGet, ok } from './network.fixture.js';

after(cleanupFixture);

describe('published ports', () => {
  let d: TestDaemon;
  let bridge: string;
  before(async () => {
    d = await startDaemonWithBusybox();
    bridge = await defaultBridgeOf(d);
  });
  after(async () => {
    await removeAllContainers(d);
    await d.destroy();
  });

  it('serves a file from busybox httpd at 127.0.0.1 and at the host address', async () => {
    const [lo, all] = [await freePort(), await freePort()];
    await ok(d, ['run', '-d', '--name', 'web', '-p', `127.0.0.1:${lo}:80`, '-p', `${all}:80`, 'busybox', ...httpdServing('hello-from-wharf')]);
    const res = await httpGet(`http://127.0.0.1:${lo}/`);
    assert.deepEqual(res, { status: 200, body: 'hello-from-wharf\n' });
    // The check: curl on the host fetches the file.
    const curl = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${lo}/index.html`]);
    assert.deepEqual([curl.code, curl.stdout], [0, 'hello-from-wharf\n'], curl.stderr);
    const addr = await hostAddress();
    if (addr) assert.equal((await httpGet(`http://${addr}:${all}/`)).body, 'hello-from-wharf\n', 'DNAT serves the host address');
    // The 127.0.0.1 binding is not on the other addresses.
    if (addr) await assert.rejects(httpGet(`http://${addr}:${lo}/`, 1500));
    const ps = await ok(d, ['ps', '--filter', 'name=web', '--format', '{{.Ports}}']);
    assert.equal(ps, `0.0.0.0:${all}->80/tcp, 127.0.0.1:${lo}->80/tcp`);
    const bindings = JSON.parse(await ok(d, ['inspect', 'web', '--format', '{{json .HostConfig.PortBindings}}']));
    assert.deepEqual(bindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(lo) }, { HostIp: '', HostPort: String(all) }] });
    const ports = JSON.parse(await ok(d, ['inspect', 'web', '--format', '{{json .NetworkSettings.Ports}}']));
    assert.deepEqual(ports, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(lo) }, { HostIp: '0.0.0.0', HostPort: String(all) }] });
    assert.match(await ok(d, ['inspect', 'web', '--format', '{{.NetworkSettings.IPAddress}}']), /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(await ok(d, ['ps', '-q', '--filter', `publish=80`]), (await ok(d, ['inspect', 'web', '--format', '{{.Id}}'])).slice(0, 12));
  });

  it('gives -p 127.0.0.1::80 a random host port that docker port reports', async () => {
    await ok(d, ['run', '-d', '--name', 'rnd', '-p', '127.0.0.1::80', 'busybox', ...httpdServing('random-port')]);
    const line = await ok(d, ['port', 'rnd', '80']);
    const m = /^127\.0\.0\.1:(\d+)$/.exec(line);
    assert.ok(m, line);
    assert.equal((await httpGet(`http://127.0.0.1:${m[1]}/`)).body, 'random-port\n');
    assert.equal(await ok(d, ['port', 'rnd']), `80/tcp -> 127.0.0.1:${m[1]}`);
    // `wharf port` prints and fails exactly as `docker port`.
    for (const args of [['port', 'rnd'], ['port', 'rnd', '80/tcp'], ['port', 'rnd', '81'], ['port', 'rnd', 'x'], ['port', 'nosuch']]) {
      const [w, k] = [await d.wharf(args), await d.docker(args)];
      assert.deepEqual([w.code, w.stdout, w.stderr.replace(/^wharf/gm, 'docker')], [k.code, k.stdout, k.stderr], args.join(' '));
    }
  });

  it('publishes EXPOSEd ports on random host ports with -P, and lists exposed-only ones', async () => {
    await ok(d, ['run', '-d', '--name', 'all', '-P', '--expose', '80', 'busybox', ...httpdServing('publish-all')]);
    const port = /:(\d+)$/.exec(await ok(d, ['port', 'all', '80/tcp']))![1];
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'publish-all\n');
    await ok(d, ['run', '-d', '--name', 'exp', '--expose', '90', 'busybox', 'sleep', '100']);
    assert.equal(await ok(d, ['ps', '--filter', 'name=exp', '--format', '{{.Ports}}']), '90/tcp');
  });

  it("publishes the image's EXPOSEd ports (tcp and udp) with -P", async () => {
    const build = await d.docker(['build', '-q', '-t', 'exposer', '-'], { input: 'FROM busybox\nEXPOSE 80 5353/udp\n' });
    assert.equal(build.code, 0, build.stderr);
    await ok(d, ['run', '-d', '--name', 'exposed', '-P', 'exposer', ...httpdServing('image-expose')]);
    const lines = (await ok(d, ['port', 'exposed'])).split('\n').sort();
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^5353\/udp -> 0\.0\.0\.0:\d+$/);
    assert.match(lines[1]!, /^80\/tcp -> 0\.0\.0\.0:\d+$/);
    const port = /:(\d+)$/.exec(lines[1]!)![1];
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'image-expose\n');
    const ps = await ok(d, ['ps', '--filter', 'name=exposed', '--format', '{{.Ports}}']);
    assert.match(ps, /^0\.0\.0\.0:\d+->80\/tcp, 0\.0\.0\.0:\d+->5353\/udp$/);
    // Without -P the exposed ports are only listed.
    await ok(d, ['run', '-d', '--name', 'unexposed', 'exposer', 'sleep', '100']);
    assert.equal(await ok(d, ['ps', '--filter', 'name=unexposed', '--format', '{{.Ports}}']), '80/tcp, 5353/udp');
    assert.equal(await ok(d, ['port', 'unexposed']), '');
  });

  it('refuses a host port another container holds, leaving nothing behind', async () => {
    const port = await freePort();
    await ok(d, ['run', '-d', '--name', 'holder', '-p', `${port}:80`, 'busybox', ...httpdServing('holder')]);
    const before = await hostObjectsOf(d, [bridge]);
    const r = await d.docker(['run', '-d', '--name', 'clash', '-p', `${port}:80`, 'busybox', 'sleep', '100']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    assert.equal(await ok(d, ['inspect', 'clash', '--format', '{{.State.Status}} {{.State.ExitCode}}']), 'created 128');
    assert.deepEqual(await hostObjectsOf(d, [bridge]), before, 'no namespace, veth or rule was added');
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'holder\n', 'the holder still serves');
  });

  it("refuses a host port another process holds, with Docker's userland-proxy message", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const before = await hostObjectsOf(d, [bridge]);
      const r = await d.docker(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${port}: bind: address already in use`));
      assert.deepEqual(await hostObjectsOf(d, [bridge]), before);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("rejects invalid port specs with Docker's status and message", async () => {
    const post = async (body: unknown) => {
      const http = await import('node:http');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ socketPath: d.socket, path: '/v1.41/containers/create', method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    };
    const big = await post({ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '99999' }] } } });
    assert.deepEqual([big.status, JSON.parse(big.body).message], [400, 'invalid port specification: "99999"']);
    const word = await post({ Image: 'busybox', HostConfig: { PortBindings: { '8x/tcp': [{ HostPort: '1' }] } } });
    assert.deepEqual([word.status, JSON.parse(word.body).message], [400, 'invalid port specification: "8x"']);
    const cli = await d.docker(['run', '--rm', '-p', '80:80:80:80', 'busybox', 'true']);
    assert.notEqual(cli.code, 0);
  });

  it('takes the rules and proxies away on stop', async () => {
    const port = await freePort();
    await ok(d, ['run', '-d', '--name', 'stopme', '-p', `127.0.0.1:${port}:80`, 'busybox', ...httpdServing('stop-me')]);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'stop-me\n');
    await ok(d, ['stop', '-t', '0', 'stopme']);
    await assert.rejects(httpGet(`http://127.0.0.1:${port}/`, 1500), 'the proxy is closed');
    const o = await hostObjectsOf(d, [bridge]);
    assert.ok(!o.rules.some((l) => l.includes(`--dport ${port}`)), o.rules.join('\n'));
    assert.equal(await ok(d, ['inspect', 'stopme', '--format', '{{json .NetworkSettings.Ports}}']), '{}');
    await ok(d, ['start', 'stopme']);
    assert.equal((await httpGet(`http://127.0.0.1:${port}/`)).body, 'stop-me\n', 'published again on start');
  });
});
