import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '../lib/digest.js';
import { type Client, client, errorCodes, pushBlob, startTestRegistry, type TestRegistry } from './testkit.js';

/** Sends part of a PATCH body and cuts the connection: a push broken mid-chunk. */
function brokenPatch(base: string, location: string, data: Buffer, sendBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(`${base}${location}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-length': data.length, 'content-range': `0-${data.length - 1}` },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(data.subarray(0, sendBytes), () => setTimeout(() => req.destroy(), 100));
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('registry blobs and uploads', () => {
  let reg: TestRegistry;
  let c: Client;
  before(async () => {
    reg = await startTestRegistry();
    c = client(reg.url);
  });
  after(() => reg.destroy());

  test('GET /v2/ answers with the API version header', async () => {
    const res = await c('/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(await res.json(), {});
  });

  test('monolithic POST, HEAD, GET, Range and If-None-Match', async () => {
    const data = Buffer.from('hello registry blob');
    const { digest, status } = await pushBlob(c, 'lib/a', data);
    assert.equal(status, 201);
    const head = await c(`/v2/lib/a/blobs/${digest}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(data.length));
    assert.equal(head.headers.get('docker-content-digest'), digest);
    const get = await c(`/v2/lib/a/blobs/${digest}`);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), data);
    const part = await c(`/v2/lib/a/blobs/${digest}`, { headers: { range: 'bytes=6-13' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 6-13/${data.length}`);
    assert.equal(await part.text(), 'registry');
    const bad = await c(`/v2/lib/a/blobs/${digest}`, { headers: { range: 'bytes=999-' } });
    assert.equal(bad.status, 416);
    await bad.arrayBuffer();
    const cached = await c(`/v2/lib/a/blobs/${digest}`, { headers: { 'if-none-match': `"${digest}"` } });
    assert.equal(cached.status, 304);
  });

  test('a blob is visible only in repositories that link it', async () => {
    const { digest } = await pushBlob(c, 'lib/owner', 'private bytes');
    const res = await c(`/v2/lib/other/blobs/${digest}`);
    assert.equal(res.status, 404);
    assert.deepEqual(await errorCodes(res), ['BLOB_UNKNOWN']);
  });

  test('chunked upload: in-order chunks, a gap is 416, status, final PUT', async () => {
    const data = Buffer.from('0123456789'.repeat(30));
    const start = await c('/v2/lib/chunks/blobs/uploads/', { method: 'POST' });
    assert.equal(start.status, 202);
    const loc = start.headers.get('location')!;
    assert.ok(start.headers.get('docker-upload-uuid'));
    assert.equal(start.headers.get('range'), '0-0');
    const p1 = await c(loc, { method: 'PATCH', body: data.subarray(0, 100), headers: { 'content-range': '0-99' } });
    assert.equal(p1.status, 202);
    assert.equal(p1.headers.get('range'), '0-99');
    const gap = await c(loc, { method: 'PATCH', body: data.subarray(150, 200), headers: { 'content-range': '150-199' } });
    assert.equal(gap.status, 416);
    assert.equal(gap.headers.get('range'), '0-99');
    await gap.arrayBuffer();
    const st = await c(loc);
    assert.equal(st.status, 204);
    assert.equal(st.headers.get('range'), '0-99');
    const p2 = await c(loc, { method: 'PATCH', body: data.subarray(100, 200), headers: { 'content-range': '100-199' } });
    assert.equal(p2.headers.get('range'), '0-199');
    const digest = sha256(data);
    const put = await c(`${loc}?digest=${digest}`, { method: 'PUT', body: data.subarray(200), headers: { 'content-range': '200-299' } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get('location'), `/v2/lib/chunks/blobs/${digest}`);
    assert.deepEqual(Buffer.from(await (await c(`/v2/lib/chunks/blobs/${digest}`)).arrayBuffer()), data);
    assert.equal((await c(loc)).status, 404, 'the session is gone once committed');
  });

  test('an upload broken mid-PATCH resumes from the offset the registry reports', async () => {
    const data = Buffer.alloc(256 * 1024, 7);
    data.write('unique-resume-test');
    const loc = (await c('/v2/lib/resume/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    await brokenPatch(reg.url, loc, data, 100 * 1024);
    const offset = await waitFor(async () => {
      const st = await c(loc);
      const end = Number(st.headers.get('range')!.split('-')[1]);
      return end >= 100 * 1024 - 1 ? end + 1 : undefined;
    });
    assert.equal(offset, 100 * 1024);
    const rest = await c(loc, { method: 'PATCH', body: data.subarray(offset), headers: { 'content-range': `${offset}-${data.length - 1}` } });
    assert.equal(rest.status, 202);
    const put = await c(`${loc}?digest=${sha256(data)}`, { method: 'PUT' });
    assert.equal(put.status, 201);
    assert.deepEqual(Buffer.from(await (await c(`/v2/lib/resume/blobs/${sha256(data)}`)).arrayBuffer()), data);
  });

  test('a digest mismatch is refused and nothing is stored', async () => {
    const data = Buffer.from('the real bytes');
    const wrong = sha256('other bytes');
    const res = await c(`/v2/lib/bad/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: data });
    assert.equal(res.status, 400);
    assert.deepEqual(await errorCodes(res), ['DIGEST_INVALID']);
    await assert.rejects(fs.access(path.join(reg.root, 'blobs/sha256', sha256(data).slice(7))));
    await assert.rejects(fs.access(path.join(reg.root, 'blobs/sha256', wrong.slice(7))));
    const loc = (await c('/v2/lib/bad/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    const put = await c(`${loc}?digest=${wrong}`, { method: 'PUT', body: data });
    assert.equal(put.status, 400);
    assert.deepEqual(await errorCodes(put), ['DIGEST_INVALID']);
    assert.equal((await c(loc)).status, 404);
    assert.equal((await c(`/v2/lib/bad/blobs/${wrong}`, { method: 'HEAD' })).status, 404);
  });

  test('cancel, and a session belongs to its repository', async () => {
    const loc = (await c('/v2/lib/cancel/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
    const uuid = loc.split('/').pop();
    const foreign = await c(`/v2/lib/elsewhere/blobs/uploads/${uuid}`);
    assert.equal(foreign.status, 404);
    assert.deepEqual(await errorCodes(foreign), ['BLOB_UPLOAD_UNKNOWN']);
    assert.equal((await c(loc, { method: 'DELETE' })).status, 204);
    assert.equal((await c(loc)).status, 404);
  });

  test('cross-repository mount links an existing blob; without access or blob it starts a session', async () => {
    const { digest } = await pushBlob(c, 'lib/src', 'mount me');
    const res = await c(`/v2/lib/dst/blobs/uploads/?mount=${digest}&from=lib/src`, { method: 'POST' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('docker-content-digest'), digest);
    assert.equal((await c(`/v2/lib/dst/blobs/${digest}`, { method: 'HEAD' })).status, 200);
    const miss = await c(`/v2/lib/dst2/blobs/uploads/?mount=${sha256('absent')}&from=lib/src`, { method: 'POST' });
    assert.equal(miss.status, 202);
    assert.ok(miss.headers.get('docker-upload-uuid'));
  });

  test('blob DELETE unlinks it from one repository only', async () => {
    const { digest } = await pushBlob(c, 'lib/del1', 'shared bytes');
    await c(`/v2/lib/del2/blobs/uploads/?mount=${digest}&from=lib/del1`, { method: 'POST' });
    assert.equal((await c(`/v2/lib/del1/blobs/${digest}`, { method: 'DELETE' })).status, 202);
    assert.equal((await c(`/v2/lib/del1/blobs/${digest}`, { method: 'HEAD' })).status, 404);
    assert.equal((await c(`/v2/lib/del2/blobs/${digest}`, { method: 'HEAD' })).status, 200);
    assert.equal((await c(`/v2/lib/del1/blobs/${digest}`, { method: 'DELETE' })).status, 404);
  });

  test('invalid names and digests', async () => {
    const name = await c(`/v2/Upper/blobs/${sha256('x')}`);
    assert.equal(name.status, 400);
    assert.deepEqual(await errorCodes(name), ['NAME_INVALID']);
    const dig = await c('/v2/lib/a/blobs/sha256:nothex');
    assert.equal(dig.status, 400);
    assert.deepEqual(await errorCodes(dig), ['DIGEST_INVALID']);
  });

  test('one log line per request, with method, path, status and bytes', async () => {
    const { digest } = await pushBlob(c, 'lib/log', 'logged');
    await (await c(`/v2/lib/log/blobs/${digest}`)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    const line = reg.logs.find((l) => l.includes('method="GET"') && l.includes(`/v2/lib/log/blobs/${digest}`));
    assert.ok(line, 'GET logged');
    assert.match(line, /status=200 bytes=6 /);
    assert.match(line, /duration_ms=/);
  });
});

describe('registry upload sessions survive a restart', () => {
  test('resume by upload ID after the registry restarts', async () => {
    let reg = await startTestRegistry();
    const root = reg.root;
    try {
      const data = Buffer.from('persisted upload '.repeat(100));
      let c = client(reg.url);
      const loc = (await c('/v2/lib/restart/blobs/uploads/', { method: 'POST' })).headers.get('location')!;
      await c(loc, { method: 'PATCH', body: data.subarray(0, 500), headers: { 'content-range': '0-499' } });
      await reg.close();
      reg = await startTestRegistry({ root });
      c = client(reg.url);
      const st = await c(loc);
      assert.equal(st.status, 204);
      assert.equal(st.headers.get('range'), '0-499');
      const put = await c(`${loc}?digest=${sha256(data)}`, { method: 'PUT', body: data.subarray(500), headers: { 'content-range': `500-${data.length - 1}` } });
      assert.equal(put.status, 201);
      assert.equal(await (await c(`/v2/lib/restart/blobs/${sha256(data)}`)).text(), data.toString());
    } finally {
      await reg.destroy();
    }
  });
});
