import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../errdefs/index.js';
import { DaemonError } from './daemon-error.js';
import { parseDaemonHost, resolveDaemonHost } from './daemon-host.js';
import { EngineClient } from './engine-client.js';
import { readBody } from './http-transport.js';
import { consumeJSONMessages, JSONMessageError } from './json-messages.js';
import { encodeFrame, FrameDemuxer } from './stdcopy.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A fake daemon on a real unix socket that records requests and answers like dockerd 20.10. */
async function fakeDaemon(apiVersion: string | null) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-client-'));
  const socketPath = path.join(dir, 'd.sock');
  const seen: Seen[] = [];
  const server = http.createServer(async (req, res) => {
    const body = (await readBody(req)).toString();
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (apiVersion) res.setHeader('Api-Version', apiVersion);
    const url = req.url ?? '';
    if (url === '/_ping') return res.end(req.method === 'HEAD' ? undefined : 'OK');
    if (url.endsWith('/version')) return res.end(JSON.stringify({ Version: '20.10', ApiVersion: apiVersion }));
    if (url.includes('/images/nosuch/json')) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return res.end('{"message":"No such image: nosuch:latest"}\n');
    }
    if (url.includes('/images/busy/json')) {
      res.writeHead(409, { 'Content-Type': 'text/plain' });
      return res.end('plain text conflict\n');
    }
    if (url.startsWith(`/v${apiVersion ?? '1.24'}/images/load`)) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"status":"Loading layer","progressDetail":{"current":1,"total":2},"id":"ab"}\r\n{"stre');
      res.write(`am":"Loaded image: x:1 (${body.length} bytes)\\n"}\r\n`);
      return res.end('{"errorDetail":{"message":"boom"},"error":"boom"}\r\n');
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('[]\n');
  });
  server.on('upgrade', (req, socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    socket.write(Buffer.concat([encodeFrame(1, 'hi\n'), encodeFrame(2, 'err\n')]));
    socket.on('data', (d: Buffer) => socket.write(encodeFrame(1, `echo:${d.toString()}`)));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return {
    socketPath,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('EngineClient', () => {
  let d: Awaited<ReturnType<typeof fakeDaemon>>;
  let client: EngineClient;
  before(async () => {
    d = await fakeDaemon('1.40');
    client = new EngineClient({ host: `unix://${d.socketPath}` });
  });
  after(async () => {
    client.close();
    await d.close();
  });

  it('pings first and uses min(1.41, daemon) as the version prefix', async () => {
    assert.equal(await client.apiVersion(), '1.40');
    await client.system.version();
    await client.images.list({ all: true, filters: { dangling: ['true'] } });
    const urls = d.seen.map((s) => `${s.method} ${s.url}`);
    assert.equal(urls[0], 'HEAD /_ping');
    assert.ok(urls.includes('GET /v1.40/version'));
    assert.ok(urls.includes(`GET /v1.40/images/json?all=1&filters=${encodeURIComponent('{"dangling":{"true":true}}')}`));
    assert.equal(d.seen[1].headers.host, 'api.moby.localhost');
  });

  it('turns error statuses into DaemonErrors with the daemon message and kind', async () => {
    const e1 = await client.images.inspect('nosuch').catch((e: unknown) => e);
    assert.ok(e1 instanceof DaemonError);
    assert.equal(e1.message, 'No such image: nosuch:latest');
    assert.equal(e1.status, 404);
    assert.ok(isKind(e1, 'NotFound'));
    const e2 = await client.images.inspect('busy').catch((e: unknown) => e);
    assert.ok(isKind(e2, 'Conflict'));
    assert.equal((e2 as Error).message, 'plain text conflict');
  });

  it('streams request bodies chunked and parses JSON-message streams, failing on an error line', async () => {
    const tar = Readable.from([Buffer.from('abc'), Buffer.from('defg')]);
    const res = await client.images.load(tar, { quiet: true });
    const got: unknown[] = [];
    const err = await consumeJSONMessages(res, (m) => got.push(m)).catch((e: unknown) => e);
    assert.ok(err instanceof JSONMessageError);
    assert.equal(err.message, 'boom');
    assert.deepEqual(got, [
      { status: 'Loading layer', progressDetail: { current: 1, total: 2 }, id: 'ab' },
      { stream: 'Loaded image: x:1 (7 bytes)\n' },
    ]);
    const req = d.seen.find((s) => s.url.includes('/images/load'));
    assert.equal(req?.headers['transfer-encoding'], 'chunked');
    assert.equal(req?.headers['content-type'], 'application/x-tar');
    assert.equal(req?.url, '/v1.40/images/load?quiet=1');
  });

  it('hijacks a connection (101) and demultiplexes its frames', async () => {
    const { socket } = await client.hijack('POST', '/containers/x/attach', { query: { stream: true, stdout: true } });
    const up = d.seen.find((s) => s.url.includes('/attach'));
    assert.equal(up?.headers.upgrade, 'tcp');
    assert.equal(up?.headers.connection, 'Upgrade');
    const out: string[] = [];
    const err: string[] = [];
    const demux = new FrameDemuxer({ stdout: (b) => out.push(b.toString()), stderr: (b) => err.push(b.toString()) });
    socket.write('ping');
    socket.end(); // CloseWrite: the daemon keeps streaming until it closes.
    await new Promise<void>((resolve, reject) => {
      socket.pipe(demux).on('finish', resolve).on('error', reject);
    });
    assert.deepEqual(out.join(''), 'hi\necho:ping');
    assert.deepEqual(err, ['err\n']);
  });

  it('reports an unreachable daemon in docker words', async () => {
    const c = new EngineClient({ host: `unix://${d.socketPath}.missing` });
    const e = await c.system.version().catch((x: unknown) => x);
    assert.ok(isKind(e, 'Unavailable'));
    assert.match((e as Error).message, /^Cannot connect to the Wharf daemon at unix:\/\/.*\.missing\. Is the wharf daemon running\?$/);
  });
});

describe('EngineClient against an old daemon', () => {
  it('falls back to 1.24 without Api-Version and honours a pinned version', async () => {
    const d = await fakeDaemon(null);
    try {
      const c = new EngineClient({ host: d.socketPath });
      assert.equal(await c.apiVersion(), '1.24');
      const pinned = new EngineClient({ host: d.socketPath, apiVersion: '1.30' });
      await pinned.system.version().catch(() => {});
      assert.ok(d.seen.some((s) => s.url === '/v1.30/version'));
      c.close();
      pinned.close();
    } finally {
      await d.close();
    }
  });
});

describe('daemon host and frames', () => {
  it('resolves -H, WHARF_HOST, DOCKER_HOST and the default in that order', () => {
    assert.equal(resolveDaemonHost(undefined, {}).url, 'unix:///run/wharf/wharf.sock');
    assert.equal(resolveDaemonHost(undefined, { DOCKER_HOST: 'unix:///d.sock' }).url, 'unix:///d.sock');
    assert.equal(resolveDaemonHost(undefined, { DOCKER_HOST: 'unix:///d', WHARF_HOST: 'unix:///w' }).url, 'unix:///w');
    assert.equal(resolveDaemonHost('tcp://127.0.0.1:2375', { WHARF_HOST: 'unix:///w' }).kind, 'tcp');
    assert.deepEqual(parseDaemonHost('tcp://[::1]:1234'), { kind: 'tcp', host: '::1', port: 1234, url: 'tcp://[::1]:1234' });
    assert.throws(() => parseDaemonHost('ssh://x'), /Invalid bind address format/);
  });

  it('demultiplexes frames split at any byte and rejects system errors', async () => {
    const data = Buffer.concat([encodeFrame(1, 'hello'), encodeFrame(2, ''), encodeFrame(2, 'e'), encodeFrame(1, 'x'.repeat(70000))]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const demux = new FrameDemuxer({ stdout: (b) => out.push(b), stderr: (b) => err.push(b) });
    for (let i = 0; i < data.length; i += 3) demux.write(data.subarray(i, i + 3));
    await new Promise((r) => demux.end(r));
    assert.equal(Buffer.concat(out).toString(), `hello${'x'.repeat(70000)}`);
    assert.equal(Buffer.concat(err).toString(), 'e');
    const bad = new FrameDemuxer({ stdout: () => {}, stderr: () => {} });
    const failed = new Promise((resolve) => bad.on('error', resolve));
    bad.end(encodeFrame(3, 'daemon exploded'));
    assert.match(String(await failed), /daemon exploded/);
  });
});
