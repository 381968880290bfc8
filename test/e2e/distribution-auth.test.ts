/**
 * Registry credentials end to end: docker-registry with bcrypt basic auth, `docker login` /
 * `wharf login` against wharfd (POST /auth), the shared config.json, X-Registry-Auth on push and
 * pull, and dockerd's wording for missing and wrong credentials. Then a Bearer-token registry
 * (the fake one, which issues tokens) through the same daemon.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeRegistry } from '../../src/plugins/registry-client/fake-registry.js';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { completedUploads, layeredImage, loadImages, type RegistryProcess, startRegistry } from './distribution-fixtures.js';
import { lines } from './images-fixtures.js';

const USER = { name: 'spyuser', password: 'spypass' };

describe('registry credentials with docker-registry (htpasswd, bcrypt)', () => {
  let w: TestDaemon;
  let reg: RegistryProcess;
  let name: string;
  const configFile = () => path.join(w.env.DOCKER_CONFIG!, 'config.json');

  before(async () => {
    [w, reg] = await Promise.all([startWharfd(), startRegistry('docker-registry', { user: USER })]);
    name = `${reg.host}/spy/secret:1`;
    await loadImages(w, [{ image: await layeredImage([{ file: 's.txt', size: 1234 }]), tags: [name] }]);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg?.destroy()]);
  });

  it('push without credentials fails in the stream with "no basic auth credentials"', async () => {
    const r = await w.docker(['push', name]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'no basic auth credentials');
    assert.match(r.stdout, /Preparing/);
    assert.equal(completedUploads(reg.log()), 0);
  });

  it('docker login with a wrong password gets dockerd’s message and stores nothing', async () => {
    const r = await w.docker(['login', '-u', USER.name, '--password-stdin', reg.host], { input: 'wrongpass\n' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized`);
    await assert.rejects(fs.access(configFile()));
    const ours = await w.wharf(['login', '-u', USER.name, '--password-stdin', reg.host], { input: 'wrongpass\n' });
    assert.equal(ours.code, 1);
    assert.equal(ours.stderr.trim(), r.stderr.trim());
  });

  it('docker login and wharf login write the same config.json, with the same messages', async () => {
    const r = await w.docker(['login', '-u', USER.name, '--password-stdin', reg.host], { input: `${USER.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Login Succeeded\n');
    const docker = await fs.readFile(configFile(), 'utf8');
    assert.deepEqual(JSON.parse(docker), { auths: { [reg.host]: { auth: Buffer.from(`${USER.name}:${USER.password}`).toString('base64') } } });
    const lo = await w.wharf(['logout', reg.host]);
    assert.equal(lo.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.deepEqual(JSON.parse(await fs.readFile(configFile(), 'utf8')), { auths: {} });
    const ours = await w.wharf(['login', '-u', USER.name, '--password-stdin', reg.host], { input: `${USER.password}\n` });
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, r.stdout);
    assert.equal(ours.stderr, r.stderr);
    assert.equal(await fs.readFile(configFile(), 'utf8'), docker);
  });

  it('push and pull use the stored credentials (X-Registry-Auth) from either CLI', async () => {
    const r = await w.docker(['push', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(completedUploads(reg.log()), 3);
    assert.equal((await w.docker(['rmi', name])).code, 0);
    const p = await w.wharf(['pull', name]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(lines(p.stdout).at(-1), name);
    assert.equal((await w.wharf(['push', name])).code, 0);
  });

  it('after logout a pull is refused with dockerd’s wording (500, so the CLI does not prompt)', async () => {
    assert.equal((await w.docker(['logout', reg.host])).code, 0);
    await w.docker(['rmi', name]);
    const r = await w.docker(['pull', name]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `Error response from daemon: Get "http://${reg.host}/v2/spy/secret/manifests/1": no basic auth credentials`);
  });
});

describe('a Bearer-token registry', () => {
  let w: TestDaemon;
  const reg = new FakeRegistry({ kind: 'bearer', user: 'tok', pass: 'en' });

  before(async () => {
    [w] = await Promise.all([startWharfd(), reg.start()]);
    await loadImages(w, [{ image: await layeredImage([{ file: 't.txt', size: 99 }]), tags: [`${reg.host}/tok/img:2`] }]);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg.stop()]);
  });

  it('logs in through the token realm, then pushes and pulls with scoped tokens', async () => {
    const bad = await w.docker(['login', '-u', 'tok', '--password-stdin', reg.host], { input: 'nope\n' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /incorrect username or password/);
    const ok = await w.docker(['login', '-u', 'tok', '--password-stdin', reg.host], { input: 'en\n' });
    assert.equal(ok.code, 0, ok.stderr);
    const stored = JSON.parse(await fs.readFile(path.join(w.env.DOCKER_CONFIG!, 'config.json'), 'utf8'));
    assert.equal(stored.auths[reg.host].identitytoken, 'refresh-me', 'the refresh token came back as IdentityToken');
    reg.log.length = 0;
    const push = await w.docker(['push', `${reg.host}/tok/img:2`]);
    assert.equal(push.code, 0, push.stderr);
    assert.ok(reg.log.some((l) => l.path.startsWith('/token')), 'a token was fetched');
    assert.ok(reg.log.filter((l) => l.path.startsWith('/v2/tok/')).every((l) => l.authorization?.startsWith('Bearer ')));
    assert.equal((await w.docker(['rmi', `${reg.host}/tok/img:2`])).code, 0);
    const pull = await w.docker(['pull', `${reg.host}/tok/img:2`]);
    assert.equal(pull.code, 0, pull.stderr);
  });
});
