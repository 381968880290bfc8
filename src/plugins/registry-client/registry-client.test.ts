import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import type { Digest } from '../../lib/digest.js';
import { FakeRegistry } from './fake-registry.js';
import { InsecureRegistries } from './insecure-registries.js';
import { RegistryClient } from './registry-client.js';
import { RegistryError } from './registry-errors.js';
import { NoCredentialsError } from './registry-session.js';
import { parseChallenges } from './www-authenticate.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

describe('WWW-Authenticate parsing', () => {
  it('reads Bearer and Basic challenges with quoted and token parameters', () => {
    const c = parseChallenges(['Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"', 'Basic realm=plain, charset="UTF-8"']);
    assert.deepEqual(c, [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push' } },
      { scheme: 'basic', params: { realm: 'plain', charset: 'UTF-8' } },
    ]);
    assert.deepEqual(parseChallenges('Bearer realm="a\\"b",error="insufficient_scope"')[0]!.params, { realm: 'a"b', error: 'insufficient_scope' });
  });
});

describe('insecure registries', () => {
  // A resolver of our own: names that resolve to loopback, into a listed CIDR, elsewhere, or not at all.
  const hosts: Record<string, string[]> = { localhost: ['127.0.0.1', '::1'], 'lan.example': ['10.1.4.4'], 'pub.example': ['203.0.113.9'], 'six.example': ['::1'] };
  const resolver = async (h: string) => {
    if (!hosts[h]) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
    return hosts[h];
  };

  it('treats loopback as insecure and honours exact index names and CIDR entries, as dockerd', async () => {
    const r = new InsecureRegistries(['myreg:5000', 'other.example', '10.1.0.0/16'], resolver);
    for (const h of ['127.0.0.1:5000', '127.9.9.9', 'localhost:5000', '[::1]:5000', 'myreg:5000', 'other.example', '10.1.2.3:5000', 'lan.example:5000', 'six.example']) {
      assert.ok(await r.check(h), h);
    }
    // dockerd matches index names exactly: a listed name without a port does not cover name:port.
    for (const h of ['myreg:5001', 'other.example:443', 'pub.example', 'nowhere.example:5000', '10.2.0.1', 'registry-1.docker.io']) assert.ok(!(await r.check(h)), h);
    assert.throws(() => new InsecureRegistries(['10.0.0.0/99']), /invalid CIDR/);
    assert.throws(() => new InsecureRegistries(['ftp://reg']), /should not contain ':\/\/'/);
  });

  it('answers synchronously from what the look-up learned, and does not remember a failed look-up', async () => {
    let calls = 0;
    let up = false;
    const r = new InsecureRegistries([], async (h) => {
      calls++;
      if (h === 'flaky.example' && !up) throw new Error('EAI_AGAIN');
      return ['127.0.0.1'];
    });
    assert.equal(r.isInsecure('loop.example:5000'), false, 'not yet resolved');
    assert.equal(await r.check('loop.example:5000'), true);
    assert.equal(await r.check('loop.example:5000'), true);
    assert.equal(r.isInsecure('loop.example:5000'), true);
    assert.equal(calls, 1, 'cached for the daemon lifetime');
    assert.equal(await r.check('flaky.example'), false);
    up = true;
    assert.equal(await r.check('flaky.example'), true, 'looked up again after a failure');
  });

  it("reports /info's RegistryConfig as dockerd does", () => {
    const cfg = new InsecureRegistries(['http://10.239.77.0/24', 'myreg.example:5000', '10.9.8.7/16', '10.9.0.0/16', 'fd00::5/8'], resolver).serviceConfig();
    assert.deepEqual(cfg.InsecureRegistryCIDRs, ['10.239.77.0/24', '10.9.0.0/16', 'fd00::/8', '127.0.0.0/8']);
    assert.deepEqual(cfg.IndexConfigs, {
      'myreg.example:5000': { Name: 'myreg.example:5000', Mirrors: [], Secure: false, Official: false },
      'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true },
    });
    assert.deepEqual(new InsecureRegistries().serviceConfig().InsecureRegistryCIDRs, ['127.0.0.0/8']);
  });
});

describe('RegistryClient against a token-auth registry', () => {
  const reg = new FakeRegistry({ kind: 'bearer', user: 'u', pass: 'p' });
  const storage = new FakeRegistry();
  const client = new RegistryClient();
  before(async () => {
    await Promise.all([reg.start(), storage.start()]);
  });
  after(async () => {
    await Promise.all([reg.stop(), storage.stop(), client.close()]);
  });

  it('fetches a token with the credentials and reuses it per scope', async () => {
    const config = Buffer.from('{"rootfs":{"type":"layers","diff_ids":[]}}');
    const cd = reg.putBlob('team/app', config);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: 'x', digest: cd, size: config.length }, layers: [] }));
    const md = reg.putManifest('team/app', 'v1', manifest, MANIFEST);
    const repo = client.repository(reg.host, 'team/app', { username: 'u', password: 'p' });
    const got = await repo.getManifest('v1');
    assert.equal(got.digest, md);
    assert.equal(got.mediaType, MANIFEST);
    assert.deepEqual(await repo.fetchBlobBytes(cd as Digest, 1 << 20, 'image config'), config);
    const tokenCalls = reg.log.filter((l) => l.path.startsWith('/token'));
    assert.equal(tokenCalls.length, 1, 'one token for both requests (same scope)');
    assert.match(tokenCalls[0]!.path, /service=fake-registry&scope=repository%3Ateam%2Fapp%3Apull&account=u/);
  });

  it('reports wrong credentials with the token endpoint’s error', async () => {
    const repo = client.repository(reg.host, 'team/app', { username: 'u', password: 'wrong' });
    await assert.rejects(repo.getManifest('v1'), (e: unknown) => e instanceof RegistryError && e.status === 401 && e.message === 'unauthorized: incorrect username or password');
  });

  it('turns registry error bodies into Docker-worded errors', async () => {
    const repo = client.repository(reg.host, 'team/app', { username: 'u', password: 'p' });
    await assert.rejects(repo.getManifest('nosuch'), (e: unknown) => e instanceof RegistryError && e.code === 'MANIFEST_UNKNOWN' && e.message === 'manifest unknown: manifest unknown' && isKind(e, 'NotFound'));
  });

  it('follows storage redirects without leaking the registry credentials', async () => {
    const data = randomBytes(5000);
    const d = reg.putBlob('team/app', data);
    storage.blobs.set(d, data);
    reg.redirectTo = storage.url;
    try {
      const repo = client.repository(reg.host, 'team/app', { username: 'u', password: 'p' });
      const { body } = await repo.fetchBlob(d as Digest);
      assert.deepEqual(await buffer(body), data);
      const hit = storage.log.find((l) => l.path === `/storage/${d}`);
      assert.ok(hit, 'storage was asked');
      assert.equal(hit.authorization, undefined);
    } finally {
      reg.redirectTo = undefined;
    }
  });

  it('uploads in chunks with Content-Range, monolithically, and mounts across repositories', async () => {
    const repo = client.repository(reg.host, 'team/new', { username: 'u', password: 'p' }, 'push');
    const data = randomBytes(300_000);
    const up = await repo.startUpload();
    await up.patch(data.subarray(0, 100_000));
    await up.patch(data.subarray(100_000, 250_000));
    await up.patch(data.subarray(250_000));
    await up.complete(sha(data));
    assert.equal((await repo.statBlob(sha(data)))?.size, data.length);
    const patches = reg.log.filter((l) => l.method === 'PATCH');
    assert.equal(patches.length, 3);
    const small = Buffer.from('small blob');
    const mono = await repo.startUpload();
    await mono.complete(sha(small), small);
    assert.ok(reg.repoBlobs.get('team/new')!.has(sha(small)));
    const other = client.repository(reg.host, 'team/other', { username: 'u', password: 'p' }, 'push');
    assert.equal(await other.statBlob(sha(data)), undefined);
    assert.equal(await other.mountBlob(sha(data), 'team/new'), true);
    assert.equal(await other.mountBlob(sha(Buffer.from('never pushed')), 'team/new'), false);
    assert.equal((await other.statBlob(sha(data)))?.size, data.length);
  });
});

describe('RegistryClient against a basic-auth registry', () => {
  const reg = new FakeRegistry({ kind: 'basic', user: 'u', pass: 'p' });
  const client = new RegistryClient();
  before(() => reg.start());
  after(async () => {
    await Promise.all([reg.stop(), client.close()]);
  });

  it('sends Basic credentials, and refuses to go on without any', async () => {
    reg.putManifest('a', '1', Buffer.from('{}'), MANIFEST);
    const ok = await client.repository(reg.host, 'a', { username: 'u', password: 'p' }).getManifest('1');
    assert.equal(ok.bytes.toString(), '{}');
    await assert.rejects(client.repository(reg.host, 'a').getManifest('1'), (e: unknown) => {
      assert.ok(e instanceof NoCredentialsError);
      assert.equal(e.message, `Get "${reg.url}/v2/a/manifests/1": no basic auth credentials`);
      return true;
    });
  });

  it('adopts a challenge first met on a repository when /v2/ answered anonymously', async () => {
    reg.anonymousPing = true;
    try {
      const fresh = new RegistryClient();
      try {
        const got = await fresh.repository(reg.host, 'a', { username: 'u', password: 'p' }).getManifest('1');
        assert.equal(got.bytes.toString(), '{}');
        await assert.rejects(fresh.repository(reg.host, 'a').getManifest('1'), NoCredentialsError);
      } finally {
        await fresh.close();
      }
    } finally {
      reg.anonymousPing = false;
    }
  });

  it('verifies a manifest fetched by digest', async () => {
    const d = reg.putManifest('a', undefined, Buffer.from('{"schemaVersion":2}'), MANIFEST);
    reg.manifests.get('a')!.set(d, { bytes: Buffer.from('{"schemaVersion":2,"tampered":true}'), mediaType: MANIFEST });
    await assert.rejects(client.repository(reg.host, 'a', { username: 'u', password: 'p' }).getManifest(d), /manifest verification failed for digest/);
  });
});

describe('RegistryClient transport failures', () => {
  it('fails fast with Go-worded dial errors for a closed port and an unknown host', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const client = new RegistryClient();
    try {
      await assert.rejects(client.repository(`127.0.0.1:${port}`, 'x').getManifest('1'), {
        message: `Get "http://127.0.0.1:${port}/v2/": dial tcp 127.0.0.1:${port}: connect: connection refused`,
      });
      const started = Date.now();
      await assert.rejects(client.repository('docker.io', 'library/busybox').getManifest('latest'), (e: unknown) => {
        assert.match((e as Error).message, /^Get "https:\/\/registry-1\.docker\.io\/v2\/": dial tcp/);
        return isKind(e, 'Unavailable');
      });
      assert.ok(Date.now() - started < 20_000, 'no hang');
    } finally {
      await client.close();
    }
  });
});
