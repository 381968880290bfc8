/**
 * `wharf registry serve` against skopeo (containers/image, a second independent client): copy in
 * from a docker archive, out to `dir:` and `oci:`, with basic auth and bearer tokens, and
 * `wharf registry gc` while the registry runs.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256 } from '../../src/lib/digest.js';
import { entry, run } from '../helpers/wharfd.js';
import { freePort, randomLayer, type RegistryProcess, startRegistryProcess, writeHtpasswd, writeImageArchive, writeTokenKey } from './registry-fixtures.js';

const skopeo = (args: string[]) => run('skopeo', ['--insecure-policy', ...args]);

/** Every file of a `dir:` or `oci:` copy named by a digest holds bytes of that digest. */
async function checkDigestNamedFiles(dir: string): Promise<number> {
  let n = 0;
  for (const name of await fs.readdir(dir, { recursive: true })) {
    const hex = path.basename(name);
    if (!/^[a-f0-9]{64}$/.test(hex)) continue;
    assert.equal(sha256(await fs.readFile(path.join(dir, name))), `sha256:${hex}`, name);
    n++;
  }
  return n;
}

let dir: string;
let archive: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regsk-'));
  const layers = [await randomLayer('one', 300_000), await randomLayer('two', 200_000)];
  archive = (await writeImageArchive(dir, 'img.tar', 'x:1', layers)).path;
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe('skopeo ↔ wharf registry', () => {
  let reg: RegistryProcess;
  before(async () => {
    reg = await startRegistryProcess(path.join(dir, 'root-open'));
  });
  after(() => reg.stop());

  test('copy a docker archive in, then out to dir: and oci:', async () => {
    const push = await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/x:1`]);
    assert.equal(push.code, 0, push.stderr);
    const out = path.join(dir, 'out-dir');
    const pull = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/x:1`, `dir:${out}`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(await checkDigestNamedFiles(out), 3, 'two layers and the config');
    const oci = path.join(dir, 'out-oci');
    const pullOci = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/x:1`, `oci:${oci}:x`]);
    assert.equal(pullOci.code, 0, pullOci.stderr);
    assert.ok((await checkDigestNamedFiles(oci)) >= 4, 'layers, config and manifest');
    const tags = await skopeo(['list-tags', '--tls-verify=false', `docker://${reg.host}/x`]);
    assert.deepEqual(JSON.parse(tags.stdout).Tags, ['1']);
  });

  test('gc while the registry runs deletes only unreferenced blobs', async () => {
    await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/x:keep`]);
    const other = await writeImageArchive(dir, 'other.tar', 'y:1', [await randomLayer('three', 50_000)]);
    assert.equal((await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${other.path}`, `docker://${reg.host}/y:1`])).code, 0);
    const del = await skopeo(['delete', '--tls-verify=false', `docker://${reg.host}/y:1`]);
    assert.equal(del.code, 0, del.stderr);
    const gc = await run(process.execPath, [...entry('wharf'), 'registry', 'gc', '--root', reg.root, '--grace', '0s']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, / 3 blobs deleted /, gc.stdout);
    const pull = await skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/x:keep`, `dir:${path.join(dir, 'after-gc')}`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(await checkDigestNamedFiles(path.join(dir, 'after-gc')), 3);
  });
});

describe('skopeo with basic auth', () => {
  let reg: RegistryProcess;
  before(async () => {
    const htpasswd = await writeHtpasswd(dir, { alice: 'secret' });
    reg = await startRegistryProcess(path.join(dir, 'root-basic'), ['--htpasswd', htpasswd]);
  });
  after(() => reg.stop());

  test('--dest-creds pushes; no or wrong credentials are refused', async () => {
    const anon = await skopeo(['copy', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${reg.host}/x:1`]);
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr, /authentication required|unauthorized/i);
    const wrong = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:wrong', `docker-archive:${archive}`, `docker://${reg.host}/x:1`]);
    assert.notEqual(wrong.code, 0);
    const ok = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:secret', `docker-archive:${archive}`, `docker://${reg.host}/x:1`]);
    assert.equal(ok.code, 0, ok.stderr);
    const pull = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', 'alice:secret', `docker://${reg.host}/x:1`, `dir:${path.join(dir, 'basic-out')}`]);
    assert.equal(pull.code, 0, pull.stderr);
  });
});

describe('skopeo with bearer tokens', () => {
  let reg: RegistryProcess;
  before(async () => {
    const htpasswd = await writeHtpasswd(dir, { alice: 'secret', reader: 'readonly' });
    const acl = path.join(dir, 'acl.json');
    await fs.writeFile(
      acl,
      JSON.stringify([
        { account: 'alice', name: '*', actions: ['*'] },
        { account: 'reader', name: '*', actions: ['pull'] },
      ]),
    );
    const port = await freePort();
    const token = ['--token-realm', `http://127.0.0.1:${port}/token`, '--token-service', 'wharf-e2e', '--token-issuer', 'wharf-e2e'];
    reg = await startRegistryProcess(path.join(dir, 'root-token'), ['--htpasswd', htpasswd, ...token, '--token-key', await writeTokenKey(dir), '--token-acl', acl], port);
  });
  after(() => reg.stop());

  test('the token flow pushes and pulls; a pull-only account cannot push', async () => {
    const push = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'alice:secret', `docker-archive:${archive}`, `docker://${reg.host}/t/x:1`]);
    assert.equal(push.code, 0, push.stderr);
    const pull = await skopeo(['copy', '--src-tls-verify=false', '--src-creds', 'reader:readonly', `docker://${reg.host}/t/x:1`, `dir:${path.join(dir, 'tok-out')}`]);
    assert.equal(pull.code, 0, pull.stderr);
    const denied = await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', 'reader:readonly', `docker-archive:${archive}`, `docker://${reg.host}/t/y:1`]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /unauthorized|denied|insufficient/i);
    assert.ok(reg.logs().some((l) => l.includes('path="/token"') && l.includes('status=200')));
  });
});
