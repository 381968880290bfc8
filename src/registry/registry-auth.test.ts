import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { sha256 } from '../lib/digest.js';
import { Htpasswd } from './auth/htpasswd.js';
import { basic, client, errorCodes, pushBlob, pushImage, startTestRegistry, type TestRegistry } from './testkit.js';

/** `htpasswd -nbB alice secret` from Apache's tool ($2y$, cost 5): bcryptjs must accept it. */
const ALICE = 'alice:$2y$05$8Ja/hST7dHU2GxwFI0KeGORRfDitFpXO6KfkHEoKZzPT/5jioZQdm';

let dir: string;
let htpasswdFile: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regauth-'));
  htpasswdFile = path.join(dir, 'htpasswd');
  await fs.writeFile(htpasswdFile, `${ALICE}\nbob:${bcrypt.hashSync('hunter2', 4)}\nreader:${bcrypt.hashSync('readonly', 4)}\n`);
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe('htpasswd', () => {
  test('accepts $2y$ entries from Apache htpasswd and refuses other formats', async () => {
    const h = Htpasswd.parse(ALICE);
    assert.equal(await h.verify('alice', 'secret'), true);
    assert.equal(await h.verify('alice', 'wrong'), false);
    assert.equal(await h.verify('nobody', 'secret'), false);
    assert.throws(() => Htpasswd.parse('carol:$apr1$abc$def'), /not a bcrypt entry/);
  });
});

describe('basic auth', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startTestRegistry({ htpasswd: htpasswdFile, realm: 'test realm' });
  });
  after(() => reg.destroy());

  test('no or wrong credentials → 401 with a Basic challenge; right ones pass', async () => {
    const anon = await client(reg.url)('/v2/');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="test realm"');
    assert.deepEqual(await errorCodes(anon), ['UNAUTHORIZED']);
    const wrong = await client(reg.url, basic('alice', 'nope'))('/v2/');
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
    const c = client(reg.url, basic('alice', 'secret'));
    assert.equal((await c('/v2/')).status, 200);
    const digest = await pushImage(c, 'team/app', 'v1', '{"a":1}', ['l1']);
    assert.equal((await c(`/v2/team/app/manifests/${digest}`, { method: 'HEAD' })).status, 200);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(reg.logs.some((l) => l.includes('user="alice"') && l.includes('method="PUT"')));
  });
});

async function tokenRegistry(keyType: 'ec' | 'rsa', acl?: unknown): Promise<TestRegistry> {
  const { privateKey } =
    keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, `${keyType}-${Date.now()}.pem`);
  await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  let aclFile: string | undefined;
  if (acl) {
    aclFile = path.join(dir, `acl-${Date.now()}.json`);
    await fs.writeFile(aclFile, JSON.stringify(acl));
  }
  // The realm is only echoed in challenges here; tests call /token on the same server.
  return startTestRegistry({
    htpasswd: htpasswdFile,
    token: { realm: 'http://127.0.0.1/token', service: 'wharf-test', issuer: 'wharf-test-issuer', keyFile, aclFile },
  });
}

async function getToken(reg: TestRegistry, auth: string | undefined, ...scopes: string[]): Promise<{ status: number; token?: string; body: Record<string, unknown> }> {
  const q = new URLSearchParams({ service: 'wharf-test' });
  for (const s of scopes) q.append('scope', s);
  const res = await client(reg.url, auth)(`/token?${q}`);
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, token: body.token as string | undefined, body };
}

describe('bearer token auth', () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await tokenRegistry('ec', [
      { account: 'reader', name: '*', actions: ['pull'] },
      { account: 'alice', name: '*', actions: ['*'] },
      { account: 'alice', type: 'registry', name: 'catalog', actions: ['*'] },
      { account: 'bob', name: 'bob/*', actions: ['pull', 'push'] },
    ]);
  });
  after(() => reg.destroy());

  test('challenge, token endpoint, and a push/pull with the token', async () => {
    const anon = await client(reg.url)('/v2/tok/app/tags/list');
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="http://127.0.0.1/token",service="wharf-test",scope="repository:tok/app:pull"');
    await anon.arrayBuffer();
    const t = await getToken(reg, basic('alice', 'secret'), 'repository:tok/app:pull,push');
    assert.equal(t.status, 200);
    assert.equal(t.body.access_token, t.token);
    assert.equal(typeof t.body.expires_in, 'number');
    assert.ok(!Number.isNaN(Date.parse(t.body.issued_at as string)));
    const c = client(reg.url, `Bearer ${t.token}`);
    const digest = await pushImage(c, 'tok/app', 'v1', '{"t":1}', ['tl']);
    assert.equal((await c(`/v2/tok/app/manifests/${digest}`, { method: 'HEAD' })).status, 200);
    const other = await c('/v2/tok/other/tags/list');
    assert.equal(other.status, 401, 'a token is scoped to its repository');
    assert.match(other.headers.get('www-authenticate')!, /error="insufficient_scope"/);
    await other.arrayBuffer();
  });

  test('a pull-only token cannot push', async () => {
    const t = await getToken(reg, basic('alice', 'secret'), 'repository:tok/ro:pull');
    const c = client(reg.url, `Bearer ${t.token}`);
    const res = await c('/v2/tok/ro/blobs/uploads/', { method: 'POST' });
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      'Bearer realm="http://127.0.0.1/token",service="wharf-test",scope="repository:tok/ro:pull,push",error="insufficient_scope"',
    );
    assert.deepEqual(await errorCodes(res), ['UNAUTHORIZED']);
  });

  test('the ACL limits what a token grants; wrong passwords get no token', async () => {
    const t = await getToken(reg, basic('reader', 'readonly'), 'repository:tok/app:pull,push');
    assert.equal(t.status, 200);
    const c = client(reg.url, `Bearer ${t.token}`);
    assert.equal((await c('/v2/tok/app/manifests/v1', { method: 'HEAD' })).status, 200, 'reader may pull');
    const push = await pushBlob(c, 'tok/app', 'reader push');
    assert.equal(push.status, 401, 'reader may not push');
    const bobOwn = await getToken(reg, basic('bob', 'hunter2'), 'repository:bob/x:pull,push');
    assert.equal((await pushBlob(client(reg.url, `Bearer ${bobOwn.token}`), 'bob/x', 'bob bytes')).status, 201);
    const bobOther = await getToken(reg, basic('bob', 'hunter2'), 'repository:tok/app:pull');
    assert.equal((await client(reg.url, `Bearer ${bobOther.token}`)('/v2/tok/app/tags/list')).status, 401);
    const bad = await getToken(reg, basic('alice', 'wrong'), 'repository:tok/app:pull');
    assert.equal(bad.status, 401);
    const anon = await getToken(reg, undefined, 'repository:tok/app:pull');
    assert.equal((await client(reg.url, `Bearer ${anon.token}`)('/v2/tok/app/tags/list')).status, 401, 'anonymous gets nothing');
  });

  test('catalog needs registry:catalog:*; mount needs pull on the source', async () => {
    const cat = await getToken(reg, basic('alice', 'secret'), 'registry:catalog:*');
    const res = await client(reg.url, `Bearer ${cat.token}`)('/v2/_catalog');
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { repositories: string[] }).repositories.includes('tok/app'));
    const src = await getToken(reg, basic('alice', 'secret'), 'repository:tok/src:pull,push');
    const { digest } = await pushBlob(client(reg.url, `Bearer ${src.token}`), 'tok/src', 'mountable');
    const dstOnly = await getToken(reg, basic('alice', 'secret'), 'repository:tok/dst:pull,push');
    const denied = await client(reg.url, `Bearer ${dstOnly.token}`)(`/v2/tok/dst/blobs/uploads/?mount=${digest}&from=tok/src`, { method: 'POST' });
    assert.equal(denied.status, 202, 'no pull on the source: a normal upload session');
    const both = await getToken(reg, basic('alice', 'secret'), 'repository:tok/dst:pull,push', 'repository:tok/src:pull');
    const mounted = await client(reg.url, `Bearer ${both.token}`)(`/v2/tok/dst/blobs/uploads/?mount=${digest}&from=tok/src`, { method: 'POST' });
    assert.equal(mounted.status, 201);
  });

  test('a token signed by another key is refused', async () => {
    const other = await tokenRegistry('ec');
    try {
      const t = await getToken(other, basic('alice', 'secret'), 'repository:tok/app:pull');
      const res = await client(reg.url, `Bearer ${t.token}`)('/v2/tok/app/tags/list');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/);
      await res.arrayBuffer();
    } finally {
      await other.destroy();
    }
  });
});

describe('bearer token auth with an RSA key', () => {
  test('RS256 tokens work', async () => {
    const reg = await tokenRegistry('rsa');
    try {
      const t = await getToken(reg, basic('bob', 'hunter2'), 'repository:rsa/app:pull,push');
      const { status } = await pushBlob(client(reg.url, `Bearer ${t.token}`), 'rsa/app', 'rsa');
      assert.equal(status, 201);
      const header = JSON.parse(Buffer.from(t.token!.split('.')[0]!, 'base64url').toString()) as { alg: string };
      assert.equal(header.alg, 'RS256');
      assert.equal((await client(reg.url, `Bearer ${t.token}`)(`/v2/rsa/app/blobs/${sha256('rsa')}`, { method: 'HEAD' })).status, 200);
    } finally {
      await reg.destroy();
    }
  });
});
