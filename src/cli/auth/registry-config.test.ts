import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { registryConfigHeader } from './registry-auth.js';

/** What the real docker CLI sends as X-Registry-Config on `docker build`, from a spy socket. */
async function dockerCliHeader(env: NodeJS.ProcessEnv, dir: string): Promise<string | undefined> {
  const sock = path.join(dir, 'spy.sock');
  let header: string | undefined;
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/_ping')) {
      res.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    if (req.url?.includes('/build')) header = req.headers['x-registry-config'] as string | undefined;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"errorDetail":{"message":"spy"},"error":"spy"}\n');
    });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  try {
    await fs.mkdir(path.join(dir, 'ctx'), { recursive: true });
    await fs.writeFile(path.join(dir, 'ctx', 'Dockerfile'), 'FROM scratch\n');
    await new Promise<void>((resolve) =>
      execFile('/usr/local/bin/docker', ['build', path.join(dir, 'ctx')], { env: { ...env, DOCKER_HOST: `unix://${sock}`, DOCKER_BUILDKIT: '0' } }, () => resolve()),
    );
  } finally {
    server.close();
  }
  return header;
}

describe('X-Registry-Config', () => {
  it('carries every stored credential, byte for byte as the docker CLI sends it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regcfg-'));
    try {
      const env = { ...process.env, DOCKER_CONFIG: dir };
      assert.equal(await registryConfigHeader(env), await dockerCliHeader(env, dir), 'no config file');
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      await fs.writeFile(
        path.join(dir, 'config.json'),
        JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('u1:p1') }, 'https://index.docker.io/v1/': { auth: b64('hub:secret') }, 'reg.local:443': {} } }),
      );
      const ours = await registryConfigHeader(env);
      assert.equal(ours, await dockerCliHeader(env, dir));
      const doc = JSON.parse(Buffer.from(ours, 'base64url').toString());
      assert.deepEqual(doc['reg.local:443'], { serveraddress: 'reg.local:443' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
