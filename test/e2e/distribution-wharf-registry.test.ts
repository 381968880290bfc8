/**
 * The engine against our own registry: the real docker CLI driving wharfd, pushing to and
 * pulling from `wharf registry serve` on 127.0.0.1, without and with bcrypt basic auth; a second
 * push of an image sharing layers uploads only the new layers (counted from the registry's
 * request log), a big one in a single streamed PATCH.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { shortId } from '../../src/lib/digest.js';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { completedUploads, layeredImage, loadImages, type RegistryProcess, startRegistry, type TestImage } from './distribution-fixtures.js';
import { lines } from './images-fixtures.js';

for (const auth of [false, true]) {
  describe(`wharfd with wharf registry${auth ? ' (basic auth)' : ''}`, () => {
    let w: TestDaemon;
    let reg: RegistryProcess;
    let a: TestImage;
    let b: TestImage;
    const user = { name: 'alice', password: 'wonderland' };

    before(async () => {
      [w, reg] = await Promise.all([startWharfd(), startRegistry('wharf', auth ? { user } : {})]);
      a = await layeredImage([{ file: 'a.bin', size: 40_000 }], { v: 'a' });
      // Over 8 MiB of incompressible bytes: pushed as one streamed PATCH, not monolithically.
      b = await layeredImage([{ file: 'b.bin', size: 12 << 20 }], { v: 'b' });
      await loadImages(w, [
        { image: a, tags: [`${reg.host}/team/a:1`] },
        { image: b, tags: [`${reg.host}/team/b:1`] },
      ]);
      if (auth) {
        const bad = await w.docker(['push', `${reg.host}/team/a:1`]);
        assert.equal(bad.code, 1);
        assert.equal(bad.stderr.trim(), 'no basic auth credentials');
        const login = await w.docker(['login', '-u', user.name, '--password-stdin', reg.host], { input: `${user.password}\n` });
        assert.equal(login.code, 0, login.stderr);
      }
    });
    after(async () => {
      await Promise.all([w?.destroy(), reg?.destroy()]);
    });

    it('pushes, then pushes an image sharing the base layer uploading only its new layer', async () => {
      const first = await w.docker(['push', `${reg.host}/team/a:1`]);
      assert.equal(first.code, 0, first.stderr + reg.log().slice(-2000));
      assert.equal(completedUploads(reg.log()), 3);
      const second = await w.docker(['push', `${reg.host}/team/b:1`]);
      assert.equal(second.code, 0, second.stderr);
      assert.ok(second.stdout.includes(`${shortId(b.diffIDs[0]!)}: Mounted from team/a`), second.stdout);
      assert.equal(completedUploads(reg.log()), 5, 'only the new layer and the config');
      const patches = reg.log().match(/method="PATCH" path="\/v2\/team\/b\/blobs\/uploads\/[^"]+" status=202/g) ?? [];
      assert.equal(patches.length, 1, 'the big layer went up in one streamed PATCH');
    });

    it('pulls back what it pushed, by tag and by digest', async () => {
      const digest = /digest: (sha256:[a-f0-9]{64})/.exec((await w.docker(['push', `${reg.host}/team/a:1`])).stdout)![1]!;
      assert.equal((await w.docker(['rmi', `${reg.host}/team/a:1`, `${reg.host}/team/b:1`])).code, 0);
      const r = await w.docker(['pull', `${reg.host}/team/a:1`]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout).slice(-3), [`Digest: ${digest}`, `Status: Downloaded newer image for ${reg.host}/team/a:1`, `${reg.host}/team/a:1`]);
      const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/team/a:1`]);
      assert.equal(inspect.stdout.trim(), a.id);
      assert.equal((await w.docker(['rmi', `${reg.host}/team/a:1`])).code, 0);
      const byDigest = await w.docker(['pull', `${reg.host}/team/a@${digest}`]);
      assert.equal(byDigest.code, 0, byDigest.stderr);
      const rd = await w.docker(['image', 'inspect', '-f', '{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}', `${reg.host}/team/a@${digest}`]);
      assert.equal(rd.stdout.trim(), `${a.id} [] ${JSON.stringify([`${reg.host}/team/a@${digest}`])}`);
    });
  });
}
