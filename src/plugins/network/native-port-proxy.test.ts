/**
 * wharf-proxy (native/proxy, built here from source into a temp dir) over real loopback sockets:
 * relays both ways with half-close and a payload larger than its pipes, reports a kernel-chosen
 * port, fails on a taken port with EADDRINUSE, and dies with the process that started it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../lib/exec-file.js';
import { startNativeProxy } from './native-port-proxy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir = '';
let binary = '';
let echo: net.Server;
let echoPort = 0;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-proxy-'));
  await runCommand('bash', [path.join(root, 'scripts/build-shim.sh'), path.join(dir, 'wharf-shim')]);
  binary = path.join(dir, 'wharf-proxy');
  // Answers with the sha256 and length of everything received, after the client's half-close.
  echo = net.createServer({ allowHalfOpen: true }, (s) => {
    const h = createHash('sha256');
    let n = 0;
    s.on('data', (d) => {
      h.update(d);
      n += d.length;
    });
    s.on('end', () => s.end(`${n} ${h.digest('hex')}`));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise((r) => echo.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

function exchange(port: number, payload: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let out = '';
    s.on('data', (d) => {
      out += d;
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.end(payload);
  });
}

describe('wharf-proxy', () => {
  it('relays 8 MB up and the answer back after a half-close, on a kernel-chosen port', async () => {
    const p = await startNativeProxy(binary, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: echoPort });
    try {
      assert.ok(p.port > 0);
      const payload = Buffer.alloc(8 << 20, 7);
      const want = `${payload.length} ${createHash('sha256').update(payload).digest('hex')}`;
      const got = await Promise.all([exchange(p.port, payload), exchange(p.port, Buffer.from('x'))]);
      assert.equal(got[0], want);
      assert.match(got[1], /^1 /);
    } finally {
      await p.close();
    }
  });

  it('fails with EADDRINUSE on a port another socket holds, and frees its port on close', async () => {
    const p = await startNativeProxy(binary, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 0, containerIp: '127.0.0.1', containerPort: echoPort });
    await assert.rejects(startNativeProxy(binary, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: p.port, containerIp: '127.0.0.1', containerPort: echoPort }), { code: 'EADDRINUSE' });
    await p.close();
    await assert.rejects(exchange(p.port, Buffer.from('x')), { code: 'ECONNREFUSED' });
  });

  it('dies with the process that started it', async () => {
    // A shell stands for the daemon: it starts the proxy (stdin /dev/null, so only the death
    // signal can end it), waits for its "ok" (the daemon's signal that it may rely on it), dies.
    const out = path.join(dir, 'proxy.out');
    const sh = spawn('sh', ['-c', `${binary} -proto tcp -host-ip 127.0.0.1 -host-port 0 -container-ip 127.0.0.1 -container-port ${echoPort} >${out} & echo $!; wait`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const pid = Number((await new Promise<string>((r) => sh.stdout.once('data', (d) => r(String(d))))).split('\n')[0]);
    assert.ok(pid > 0);
    const alive = () => fs.access(`/proc/${pid}`).then(() => true, () => false);
    for (let i = 0; i < 200 && !(await fs.readFile(out, 'utf8').catch(() => '')).startsWith('ok '); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(await alive(), true);
    sh.kill('SIGKILL');
    for (let i = 0; i < 100 && (await alive()); i++) await new Promise((r) => setTimeout(r, 50));
    const survived = await alive();
    if (survived) process.kill(pid, 'SIGKILL'); // a failing run must not leave it listening
    assert.equal(survived, false, 'the proxy outlived its parent');
  });
});
