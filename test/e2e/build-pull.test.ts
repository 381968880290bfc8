/**
 * FROM of an image that is not in the store: `docker build` (classic builder API) against wharfd
 * pulls it from `wharf registry serve` on 127.0.0.1 with the credentials the CLI sends in
 * X-Registry-Config (basic auth), its progress in the build output as dockerd prints it;
 * `--pull` pulls a present image again; without credentials the build fails with the
 * registry's answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDaemon } from '../helpers/wharfd.js';
import { type RegistryProcess, startRegistry } from './distribution-fixtures.js';
import { cleanupContexts, dockerBuild, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

describe('docker build pulls a missing base image', () => {
  let d: TestDaemon;
  let reg: RegistryProcess;
  const user = { name: 'alice', password: 'wonderland' };
  let base: string;
  let other: string;
  let third: string;

  before(async () => {
    [d, reg] = await Promise.all([startDaemonWithBusybox(), startRegistry('wharf', { user })]);
    base = `${reg.host}/team/bb:1`;
    other = `${reg.host}/team/other:1`;
    third = `${reg.host}/team/third:1`;
    ok(await d.docker(['login', '-u', user.name, '--password-stdin', reg.host], { input: `${user.password}\n` }), 'login');
    ok(await d.docker(['tag', 'busybox', base]), 'tag');
    ok(await d.docker(['tag', 'busybox', other]), 'tag');
    ok(await d.docker(['tag', 'busybox', third]), 'tag');
    ok(await d.docker(['push', base]), 'push');
    ok(await d.docker(['push', other]), 'push');
    ok(await d.docker(['push', third]), 'push');
    // Nothing of the base left in the store: the build must fetch every blob.
    ok(await d.docker(['rmi', base, other, third, 'busybox']), 'rmi');
  });
  after(async () => {
    await Promise.all([d?.destroy(), reg?.destroy()]);
  });

  it('pulls FROM with the CLI credentials, showing the pull in the build output', async () => {
    const ctx = await writeContext({ Dockerfile: `FROM ${base}\nRUN echo built > /b\n` });
    const out = ok(await dockerBuild(d, ['-t', 'pulled:1', ctx]), 'build');
    assert.match(out, new RegExp(`^Step 1/2 : FROM ${base.replace(/\./g, '\\.')}\\n1: Pulling from team/bb\\n`, 'm'));
    assert.match(out, /^Digest: sha256:[0-9a-f]{64}$/m);
    assert.match(out, new RegExp(`^Status: Downloaded newer image for ${base.replace(/\./g, '\\.')}$`, 'm'));
    assert.equal(ok(await d.docker(['run', '--rm', 'pulled:1', 'cat', '/b']), 'run'), 'built\n');
    assert.equal(ok(await d.docker(['image', 'inspect', '-f', '{{.RepoTags}}', base]), 'inspect').trim(), `[${base}]`);
  });

  it('--pull pulls a present base again; a present base is not pulled without it', async () => {
    const ctx = await writeContext({ Dockerfile: `FROM ${base}\nCOPY Dockerfile /\n` });
    const again = ok(await dockerBuild(d, ['--pull', ctx]), 'build --pull');
    assert.match(again, new RegExp(`^Status: Image is up to date for ${base.replace(/\./g, '\\.')}$`, 'm'));
    const local = ok(await dockerBuild(d, [ctx]), 'build');
    assert.doesNotMatch(local, /Pulling from|Status:/);
  });

  it('wharf build sends the stored credentials too, and shows the pull under the FROM step', async () => {
    const ctx = await writeContext({ Dockerfile: `FROM ${third}\nRUN echo again > /b\n` });
    const r = await d.wharf(['build', '--progress', 'plain', '-t', 'pulled:2', ctx]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pulling from team\/third/);
    assert.match(r.stderr, new RegExp(`Status: Downloaded newer image for ${third.replace(/\./g, '\\.')}`));
    assert.equal(ok(await d.docker(['run', '--rm', 'pulled:2', 'cat', '/b']), 'run'), 'again\n');
  });

  it('fails with the registry answer when the CLI has no credentials', async () => {
    ok(await d.docker(['logout', reg.host]), 'logout');
    const ctx = await writeContext({ Dockerfile: `FROM ${other}\n` });
    const r = await dockerBuild(d, [ctx]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no basic auth credentials/);
    assert.equal((await d.docker(['image', 'inspect', other])).code, 1, 'nothing was pulled');
  });
});
