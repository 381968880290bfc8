// Private registries for benchmarks: Debian's docker-registry (distribution 2.8) or
// `wharf registry serve` (compiled tree), each on a free 127.0.0.1 port with its storage in a
// fresh temp dir, stopped and removed by stop() (and by stopRegistries() on SIGINT/SIGTERM).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { wharfDist } from './daemons.mjs';

const live = new Set();

/** Stops every registry still running. */
export async function stopRegistries() {
  await Promise.allSettled([...live].map((r) => r.stop()));
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitForPort(port, child) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`registry did not listen on ${port} (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a registry of `kind` ('docker-registry' | 'wharf'); returns { kind, host, stop }. */
export async function startRegistry(kind) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-breg-'));
  const port = await freePort();
  let cmd;
  let args;
  if (kind === 'wharf') {
    cmd = process.execPath;
    args = [path.join(wharfDist(), 'cmd/wharf.js'), 'registry', 'serve', '--addr', `127.0.0.1:${port}`, '--root', path.join(dir, 'data')];
  } else {
    // Access log off: like the wharf registry's log, it is not what is measured.
    const config = `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`;
    await writeFile(path.join(dir, 'config.yml'), config);
    cmd = 'docker-registry';
    args = ['serve', path.join(dir, 'config.yml')];
  }
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForPort(port, child);
  const r = {
    kind,
    host: `127.0.0.1:${port}`,
    async stop() {
      if (!live.has(r)) return;
      live.delete(r);
      if (child.exitCode === null) {
        const gone = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  live.add(r);
  return r;
}
