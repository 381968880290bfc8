import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';

function raw(socket: string, method: string, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: p }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('wharfd system endpoints with the real docker CLI', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startWharfd();
  });
  after(async () => {
    await d.destroy();
  });

  it('answers HEAD and GET /_ping as dockerd does', async () => {
    const head = await raw(d.socket, 'HEAD', '/_ping');
    assert.equal(head.status, 200);
    assert.equal(head.headers['api-version'], '1.41');
    assert.equal(head.headers.ostype, 'linux');
    assert.equal(head.headers['docker-experimental'], 'false');
    assert.equal(head.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.equal(head.headers['content-length'], '0');
    const get = await raw(d.socket, 'GET', '/_ping');
    assert.equal(get.body, 'OK');
  });

  it('docker version negotiates down to 1.41', async () => {
    const r = await d.docker(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /API version:\s+1\.41 \(downgraded from 1\.50\)/);
    assert.match(r.stdout, /Server: Wharf Engine/);
    const f = await d.docker(['version', '--format', '{{.Server.APIVersion}} {{.Server.Os}}']);
    assert.equal(f.stdout.trim(), '1.41 linux');
  });

  it('honours a pinned API version and refuses one too new or too old', async () => {
    const pinned = await d.docker(['version', '--format', '{{.Client.APIVersion}} / {{.Server.APIVersion}}'], {});
    assert.equal(pinned.code, 0);
    const tooNew = await raw(d.socket, 'GET', '/v1.99/version');
    assert.equal(tooNew.status, 400);
    assert.deepEqual(JSON.parse(tooNew.body), { message: 'client version 1.99 is too new. Maximum supported API version is 1.41' });
    const tooOld = await raw(d.socket, 'GET', '/v1.11/version');
    assert.equal(tooOld.status, 400);
    assert.match(tooOld.headers['content-type'] ?? '', /text\/plain/);
    assert.match(tooOld.body, /client version 1.11 is too old/);
    const unversioned = await raw(d.socket, 'GET', '/version');
    assert.equal(JSON.parse(unversioned.body).ApiVersion, '1.41');
  });

  it('docker info prints the engine facts', async () => {
    const r = await d.docker(['info', '--format', '{{.Driver}} {{.OSType}} {{.DockerRootDir}} {{.CgroupDriver}}']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `overlay2 linux ${d.dataRoot} cgroupfs`);
    const full = await d.docker(['info']);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /Storage Driver: overlay2/);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const r = await raw(d.socket, 'GET', '/v1.41/nosuch/thing');
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.body).message, 'page not found');
  });

  it('makes the socket 0660', async () => {
    const st = await fs.stat(d.socket);
    assert.equal(st.mode & 0o777, 0o660);
  });
});

describe('wharfd process lifecycle', () => {
  it('runs two daemons side by side and shuts down cleanly on SIGTERM', async () => {
    const a = await startWharfd();
    const b = await startWharfd();
    try {
      const [ra, rb] = await Promise.all([a.docker(['info', '--format', '{{.ID}}']), b.docker(['info', '--format', '{{.ID}}'])]);
      assert.equal(ra.code, 0);
      assert.notEqual(ra.stdout.trim(), rb.stdout.trim());
      assert.equal(await a.stop(), 0);
      await assert.rejects(fs.stat(a.socket));
      await assert.rejects(fs.stat(a.pidfile));
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('keeps its identity across a restart and recovers from kill -9', async () => {
    const a = await startWharfd();
    try {
      const id1 = (await a.docker(['info', '--format', '{{.ID}}'])).stdout.trim();
      await a.kill();
      const again = await startWharfd({ dir: a.dir });
      try {
        const id2 = (await again.docker(['info', '--format', '{{.ID}}'])).stdout.trim();
        assert.equal(id2, id1);
      } finally {
        await again.stop();
      }
    } finally {
      await a.destroy();
    }
  });

  it('refuses to start on paths a live daemon holds', async () => {
    const a = await startWharfd();
    try {
      await assert.rejects(startWharfd({ dir: a.dir }), /pid file found|in use/);
    } finally {
      await a.destroy();
    }
  });
});
