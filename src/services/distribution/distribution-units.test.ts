import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseDaemonArgs } from '../../daemon/config.js';
import type { Digest } from '../../lib/digest.js';
import { RegistryError } from '../../plugins/registry-client/registry-errors.js';
import { parseNormalizedNamed } from '../../spec/reference.js';
import { DistributionMetadata } from './distribution-metadata.js';
import { pullReference } from './distribution-service.js';
import { loginDomain } from './login.js';
import { parsePlatform, selectPlatform } from './manifest-resolve.js';
import { ByteProgress } from './progress.js';
import { translatePullError } from './pull-errors.js';
import { schema2Manifest } from './push-manifest.js';
import { credentialsFrom, decodeRegistryAuth } from './registry-auth-header.js';
import { splitSearchTerm } from './search.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

describe('X-Registry-Auth', () => {
  it('decodes the transcript’s header and `e30=`', () => {
    const cfg = decodeRegistryAuth('eyJ1c2VybmFtZSI6InNweXVzZXIiLCJwYXNzd29yZCI6InNweXBhc3MiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifQ==');
    assert.deepEqual(cfg, { username: 'spyuser', password: 'spypass', serveraddress: '127.0.0.1:5000' });
    assert.deepEqual(decodeRegistryAuth('e30='), {});
    assert.equal(credentialsFrom({}), undefined);
    assert.deepEqual(credentialsFrom({ auth: Buffer.from('u:p:x').toString('base64') }), { username: 'u', password: 'p:x' });
    assert.throws(() => decodeRegistryAuth('bm90IGpzb24='), /not base64-encoded JSON/);
  });
});

describe('pull references and errors', () => {
  it('reads fromImage + tag as dockerd (a digest in `tag`)', () => {
    assert.deepEqual(pullReference('busybox', 'latest'), { domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    assert.deepEqual(pullReference('127.0.0.1:5000/a/b', D('a')), { domain: '127.0.0.1:5000', path: 'a/b', digest: D('a') });
    assert.deepEqual(pullReference('a/b:3', undefined), { domain: 'docker.io', path: 'a/b', tag: '3' });
  });

  it('words registry refusals as dockerd’s translatePullError', () => {
    const ref = parseNormalizedNamed('127.0.0.1:5000/spy/nosuch:1');
    const e = (code: string, message: string) => new RegistryError(404, [{ code, message }], 'x');
    assert.equal((translatePullError(e('MANIFEST_UNKNOWN', 'manifest unknown'), ref) as Error).message, 'manifest for 127.0.0.1:5000/spy/nosuch:1 not found: manifest unknown: manifest unknown');
    assert.equal((translatePullError(e('NAME_UNKNOWN', 'repository name not known to registry'), ref) as Error).message, 'repository 127.0.0.1:5000/spy/nosuch not found: name unknown: repository name not known to registry');
    const denied = translatePullError(e('DENIED', 'requested access to the resource is denied'), parseNormalizedNamed('private/x'));
    assert.equal((denied as Error).message, "pull access denied for private/x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");
    const unauth = translatePullError(new RegistryError(401, [{ code: 'UNAUTHORIZED', message: 'authentication required' }], 'unauthorized: authentication required'), ref);
    assert.equal((unauth as { kind: string }).kind, 'Internal', 'dockerd answers 500, so the CLI does not prompt');
  });

  it('selects the platform entry of an index', () => {
    const idx = {
      schemaVersion: 2 as const,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    };
    assert.equal(selectPlatform(idx, { os: 'linux', architecture: 'amd64' }).digest, D('2'));
    assert.equal(selectPlatform(idx, parsePlatform('linux/arm64/v8')).digest, D('1'));
    assert.throws(() => selectPlatform(idx, parsePlatform('windows/amd64')), /no matching manifest for windows\/amd64 in the manifest list entries/);
  });
});

describe('push manifest', () => {
  it('is Go’s MarshalIndent with three spaces, schema2 types, fields in struct order', () => {
    const m = schema2Manifest({ mediaType: 'x', digest: D('c'), size: 7 }, [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: D('d'), size: 9 }]);
    assert.equal(
      m.toString(),
      `{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": {\n      "mediaType": "application/vnd.docker.container.image.v1+json",\n      "size": 7,\n      "digest": "${D('c')}"\n   },\n   "layers": [\n      {\n         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",\n         "size": 9,\n         "digest": "${D('d')}"\n      }\n   ]\n}`,
    );
  });
});

describe('distribution metadata', () => {
  it('keeps sources per layer, most recent first, across a reopen', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-dm-'));
    try {
      const file = path.join(dir, 'sub', 'v2-metadata.json');
      const m = await DistributionMetadata.open(file);
      const src = (repo: string, d = D('e')) => ({ digest: d, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 5, repository: repo });
      await m.add(D('a'), src('h:1/x'));
      await m.add(D('a'), src('h:1/y'));
      await m.add(D('a'), src('h:1/x'));
      const again = await DistributionMetadata.open(file);
      assert.deepEqual(again.sources(D('a')).map((s) => s.repository), ['h:1/x', 'h:1/y']);
      await again.remove(D('a'), D('e'), 'h:1/x');
      assert.deepEqual((await DistributionMetadata.open(file)).sources(D('a')).map((s) => s.repository), ['h:1/y']);
      await fs.writeFile(file, '{torn');
      assert.deepEqual((await DistributionMetadata.open(file)).sources(D('a')), []);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('small helpers', () => {
  it('throttles byte progress like dockerd (512 KiB and 100 ms) and always sends the last update', () => {
    const out: unknown[] = [];
    let now = 1000;
    const p = new ByteProgress((m) => out.push(m), 'Downloading', 'abc', 4 << 20, () => now);
    for (let i = 0; i < 64; i++) {
      p.add(64 * 1024);
      now += 10;
    }
    assert.ok(out.length >= 4 && out.length <= 8, `${out.length} updates`);
    p.finish();
    assert.deepEqual((out.at(-1) as { progressDetail: unknown }).progressDetail, { current: 4 << 20, total: 4 << 20 });
  });

  it('reads wharfd’s repeatable --insecure-registry flag', () => {
    assert.deepEqual(parseDaemonArgs([]).insecureRegistries, []);
    assert.deepEqual(parseDaemonArgs(['--insecure-registry', 'reg.lan:5000', '--insecure-registry', '10.0.0.0/8']).insecureRegistries, ['reg.lan:5000', '10.0.0.0/8']);
  });

  it('splits search terms and login addresses as dockerd', () => {
    assert.deepEqual(splitSearchTerm('127.0.0.1:5000/spy'), { domain: '127.0.0.1:5000', remainder: 'spy' });
    assert.deepEqual(splitSearchTerm('busybox'), { domain: 'docker.io', remainder: 'busybox' });
    assert.deepEqual(splitSearchTerm('team/app'), { domain: 'docker.io', remainder: 'team/app' });
    assert.equal(loginDomain('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(loginDomain('http://127.0.0.1:5000/'), '127.0.0.1:5000');
    assert.equal(loginDomain(''), 'docker.io');
  });
});
