import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { convertToHostname, decodeStoredAuth, encodeStoredAuth } from './config-file.js';
import { CredentialStore } from './credential-store.js';
import { authKeyForDomain, encodeRegistryAuth, registryAuthFor } from './registry-auth.js';

describe('CLI credential store', () => {
  it('encodes X-Registry-Auth byte for byte as the docker CLI (transcript values)', () => {
    assert.equal(encodeRegistryAuth({}), 'e30=');
    assert.equal(
      encodeRegistryAuth({ username: 'spyuser', password: 'spypass' }, '127.0.0.1:5000'),
      'eyJ1c2VybmFtZSI6InNweXVzZXIiLCJwYXNzd29yZCI6InNweXBhc3MiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifQ==',
    );
    assert.equal(authKeyForDomain('docker.io'), 'https://index.docker.io/v1/');
    assert.equal(authKeyForDomain('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  it('stores {"auths":{host:{"auth":…}}} with tabs and 0600, finds legacy URL keys, and erases', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-auth-'));
    try {
      const env = { DOCKER_CONFIG: dir };
      await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { 'https://legacy:5000/v1/': { auth: Buffer.from('old:pw').toString('base64') } }, psFormat: 'x' }));
      const store = await CredentialStore.load(env);
      assert.deepEqual(await store.get('legacy:5000'), { username: 'old', password: 'pw' });
      await store.store('127.0.0.1:5000', { username: 'spyuser', password: 'spypass' });
      const text = await fs.readFile(path.join(dir, 'config.json'), 'utf8');
      assert.match(text, /\n\t"auths": \{\n\t\t"https:\/\/legacy:5000\/v1\/"/);
      assert.equal(JSON.parse(text).psFormat, 'x', 'other keys survive');
      assert.equal(JSON.parse(text).auths['127.0.0.1:5000'].auth, 'c3B5dXNlcjpzcHlwYXNz');
      assert.equal((await fs.stat(path.join(dir, 'config.json'))).mode & 0o777, 0o600);
      assert.equal(
        await registryAuthFor(env, '127.0.0.1:5000'),
        'eyJ1c2VybmFtZSI6InNweXVzZXIiLCJwYXNzd29yZCI6InNweXBhc3MiLCJzZXJ2ZXJhZGRyZXNzIjoiMTI3LjAuMC4xOjUwMDAifQ==',
      );
      assert.equal(await registryAuthFor(env, 'other:1'), 'e30=');
      assert.equal(await (await CredentialStore.load(env)).erase('127.0.0.1:5000'), true);
      assert.equal(await registryAuthFor(env, '127.0.0.1:5000'), 'e30=');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('uses a credential helper (credsStore) through the docker-credential-helpers protocol', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-auth-'));
    const oldPath = process.env.PATH;
    try {
      // A helper that keeps one secret per server URL in files under the temp dir.
      const helper = path.join(dir, 'docker-credential-wharftest');
      await fs.writeFile(
        helper,
        `#!/bin/sh\nset -e\nd='${dir}/secrets'; mkdir -p "$d"\ncase "$1" in\n` +
          `store) cat > "$d/last.json"; node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));require("fs").writeFileSync(process.argv[2]+"/"+Buffer.from(j.ServerURL).toString("hex"),JSON.stringify(j))' "$d/last.json" "$d" ;;\n` +
          `get) s=$(cat); f="$d/$(printf %s "$s" | od -An -tx1 | tr -d ' \\n')"; if [ -f "$f" ]; then cat "$f"; else echo 'credentials not found in native keychain'; exit 1; fi ;;\n` +
          `erase) s=$(cat); rm -f "$d/$(printf %s "$s" | od -An -tx1 | tr -d ' \\n')" ;;\nesac\n`,
        { mode: 0o755 },
      );
      process.env.PATH = `${dir}:${oldPath}`;
      const env = { DOCKER_CONFIG: path.join(dir, 'cfg') };
      await fs.mkdir(env.DOCKER_CONFIG);
      await fs.writeFile(path.join(env.DOCKER_CONFIG, 'config.json'), JSON.stringify({ credsStore: 'wharftest' }));
      const store = await CredentialStore.load(env);
      assert.deepEqual(await store.get('reg:1'), {}, 'nothing stored yet');
      await store.store('reg:1', { username: 'hu', password: 'hp' });
      const cfg = JSON.parse(await fs.readFile(path.join(env.DOCKER_CONFIG, 'config.json'), 'utf8'));
      assert.deepEqual(cfg.auths, { 'reg:1': {} }, 'the file lists the registry, the helper holds the secret');
      assert.deepEqual(await (await CredentialStore.load(env)).get('reg:1'), { username: 'hu', password: 'hp' });
      await (await CredentialStore.load(env)).erase('reg:1');
      assert.deepEqual(await (await CredentialStore.load(env)).get('reg:1'), {});
    } finally {
      process.env.PATH = oldPath;
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('round-trips entries and identity tokens', () => {
    assert.deepEqual(decodeStoredAuth(encodeStoredAuth({ username: 'a', password: 'b:c' })), { username: 'a', password: 'b:c' });
    assert.deepEqual(encodeStoredAuth({ username: 'a', identitytoken: 't' }), { auth: Buffer.from('a:').toString('base64'), identitytoken: 't' });
    assert.equal(convertToHostname('https://host:5000/v2/'), 'host:5000');
  });
});
