/**
 * The real docker CLI with a private real dockerd (Debian's docker.io) pushing to and pulling
 * from `wharf registry serve`, with and without basic auth (`docker login`) and with bearer
 * tokens. dockerd treats 127.0.0.0/8 registries as insecure by default, so plain HTTP works.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import {
  freePort,
  type RegistryProcess,
  randomLayer,
  requests,
  settleLogs,
  startRegistryProcess,
  writeHtpasswd,
  writeImageArchive,
  writeTokenKey,
} from './registry-fixtures.js';

let dir: string;
let dockerd: RealDockerd;
let shared: Buffer[];

async function docker(args: string[], input?: string): Promise<string> {
  const r = await dockerd.docker(args, { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Loads an image of `layers` into dockerd as `ref`; returns its image ID. */
async function loadImage(ref: string, layers: Buffer[], file: string): Promise<string> {
  const { path: p, image } = await writeImageArchive(dir, file, ref, layers);
  await docker(['load', '-i', p]);
  return image.id;
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-regdk-'));
  dockerd = await startRealDockerd();
  shared = [await randomLayer('base-a', 400_000), await randomLayer('base-b', 300_000)];
});
after(async () => {
  await dockerd?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('docker push/pull with wharf registry (no auth)', () => {
  let reg: RegistryProcess;
  before(async () => {
    reg = await startRegistryProcess(path.join(dir, 'root-open'));
  });
  after(() => reg.stop());

  test('push, remove, pull back the same image', async () => {
    const ref = `${reg.host}/team/app:1`;
    const id = await loadImage(ref, shared, 'a.tar');
    const out = await docker(['push', ref]);
    assert.match(out, /1: digest: sha256:[a-f0-9]{64} size: \d+/);
    await docker(['rmi', ref]);
    await docker(['pull', ref]);
    assert.equal((await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);
  });

  test('a second image sharing layers uploads only its new layer and config', async () => {
    await settleLogs();
    const before = reg.logs().length;
    const ref = `${reg.host}/team/app:2`;
    await loadImage(ref, [...shared, await randomLayer('new-c', 100_000)], 'b.tar');
    const out = await docker(['push', ref]);
    assert.match(out, /Layer already exists/);
    await settleLogs();
    const logs = reg.logs().slice(before);
    const commits = requests(logs, 'PUT', /\/blobs\/uploads\//);
    const patches = requests(logs, 'PATCH', /\/blobs\/uploads\//);
    assert.equal(commits.length, 2, `blob uploads of the second push:\n${commits.join('\n')}`);
    assert.ok(patches.length <= 2, patches.join('\n'));
  });

  test('pushing to another repository mounts the shared layers', async () => {
    await settleLogs();
    const before = reg.logs().length;
    const ref = `${reg.host}/other/app:1`;
    await docker(['tag', `${reg.host}/team/app:1`, ref]);
    const out = await docker(['push', ref]);
    assert.match(out, /Mounted from team\/app/);
    await settleLogs();
    const logs = reg.logs().slice(before);
    const mounts = requests(logs, 'POST', /\/blobs\/uploads\/$/).filter((l) => l.includes('status=201'));
    assert.equal(mounts.length, 2, 'both layers mounted');
    // Docker uploads the (small) config blob to a new repository instead of mounting it.
    assert.ok(requests(logs, 'PATCH', /\/blobs\/uploads\//).length <= 1);
  });

  test('pulling an unknown tag fails with the registry not-found message', async () => {
    const r = await dockerd.docker(['pull', `${reg.host}/team/app:nope`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /manifest unknown/);
  });
});

describe('docker login, push and pull with basic auth', () => {
  let reg: RegistryProcess;
  before(async () => {
    const htpasswd = await writeHtpasswd(dir, { alice: 'secret' });
    reg = await startRegistryProcess(path.join(dir, 'root-basic'), ['--htpasswd', htpasswd]);
  });
  after(() => reg.stop());

  test('push without login is refused; login, push, pull; wrong password fails', async () => {
    const ref = `${reg.host}/secure/app:1`;
    const id = await loadImage(ref, shared, 'c.tar');
    const anon = await dockerd.docker(['push', ref]);
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr + anon.stdout, /no basic auth credentials|unauthorized|authentication required/);
    const bad = await dockerd.docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'wrong\n' });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /401|unauthorized/i);
    const login = await dockerd.docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 'secret\n' });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /Login Succeeded/);
    await docker(['push', ref]);
    await docker(['rmi', ref]);
    await docker(['pull', ref]);
    assert.equal((await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);
    await settleLogs();
    assert.ok(reg.logs().some((l) => l.includes('user="alice"') && l.includes('method="PUT"')));
    await docker(['logout', reg.host]);
  });
});

describe('docker login, push and pull with bearer tokens', () => {
  let reg: RegistryProcess;
  before(async () => {
    const htpasswd = await writeHtpasswd(dir, { bob: 'tokenpw' });
    const port = await freePort();
    reg = await startRegistryProcess(
      path.join(dir, 'root-token'),
      [
        '--htpasswd',
        htpasswd,
        '--token-realm',
        `http://127.0.0.1:${port}/token`,
        '--token-service',
        'wharf-e2e',
        '--token-issuer',
        'wharf-e2e',
        '--token-key',
        await writeTokenKey(dir),
      ],
      port,
    );
  });
  after(() => reg.stop());

  test('the token challenge flow works for login, push and pull', async () => {
    const ref = `${reg.host}/tok/app:1`;
    const id = await loadImage(ref, shared, 'd.tar');
    const login = await dockerd.docker(['login', '-u', 'bob', '--password-stdin', reg.host], { input: 'tokenpw\n' });
    assert.equal(login.code, 0, login.stderr);
    await docker(['push', ref]);
    await docker(['rmi', ref]);
    await docker(['pull', ref]);
    assert.equal((await docker(['image', 'inspect', '-f', '{{.Id}}', ref])).trim(), id);
    await settleLogs();
    assert.ok(requests(reg.logs(), 'GET', /^\/token$/).length > 0);
    await docker(['logout', reg.host]);
  });
});
