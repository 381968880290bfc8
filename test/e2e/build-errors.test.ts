/**
 * Builds that fail, through the real docker CLI against wharfd: a failing RUN (the command and
 * its exit code, the CLI's exit status, nothing left behind: no container, mount, image or
 * scratch file), a malformed Dockerfile (file, line, problem), and Docker's messages for a
 * missing COPY source, an unknown --from stage, a missing base image and an unknown target.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { DOCKER, startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { assertNothingLeft, cleanupContexts, dockerBuild, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

describe('failing builds', () => {
  let d: TestDaemon;
  let images: string;

  before(async () => {
    d = await startDaemonWithBusybox();
    images = ok(await d.docker(['images', '-a', '-q', '--no-trunc']), 'images');
  });
  after(async () => {
    await d?.destroy();
  });

  it('reports a failing RUN with its command and exit code and leaves nothing behind', async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nRUN echo about to fail && false\n' });
    const r = await dockerBuild(d, ['-t', 'fail:1', ctx]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ ---> Running in [0-9a-f]{12}\nabout to fail$/m);
    assert.match(r.stderr, /^The command '\/bin\/sh -c echo about to fail && false' returned a non-zero code: 1$/m);
    await assertNothingLeft(d, images);
  });

  it("exits with the failing command's own code; the steps before it stay cached, as in Docker", async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nENV A=1\nRUN echo ok > /f\nRUN exit 3\n' });
    const r = await dockerBuild(d, [ctx]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /returned a non-zero code: 3/);
    const after = ok(await d.docker(['images', '-a', '-q', '--no-trunc']), 'images');
    const added = after.split('\n').filter((l) => l && !images.includes(l));
    // The ENV and the first RUN step's images (the cache of the next attempt); none of the failed step.
    assert.equal(added.length, 2, after);
    const again = await dockerBuild(d, [ctx]);
    assert.equal((again.stdout.match(/^ ---> Using cache$/gm) ?? []).length, 2, again.stdout);
    images = after;
    await assertNothingLeft(d, images);
  });

  it('names the file, line and problem of a malformed Dockerfile', async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nRUN true\nFOO bar\n' });
    const r = await dockerBuild(d, [ctx]);
    assert.equal(r.code, 1);
    // dockerd 20.10's exact wording (checked against the real daemon's classic builder).
    assert.match(r.stderr, /Error response from daemon: dockerfile parse error line 3: unknown instruction: FOO\n/);
    const twice = await dockerBuild(d, [await writeContext({ Dockerfile: '# escape=`\n# escape=\\\nFROM busybox\n' })]);
    assert.match(twice.stderr, /Error response from daemon: failed to parse Dockerfile: only one escape parser directive can be used\n/);
    const early = await dockerBuild(d, [await writeContext({ Dockerfile: 'ARG X\nRUN true\n' })]);
    assert.match(early.stderr, /Error response from daemon: no build stage in current context\n/);
    await assertNothingLeft(d, images);
  });

  it('says what is wrong with COPY sources, --from stages, base images and targets', async () => {
    const cases: Array<[string, RegExp, string[]?]> = [
      ['FROM busybox\nCOPY nope /x\n', /COPY failed: file not found in build context or excluded by \.dockerignore: stat nope: file does not exist/],
      ['FROM busybox\nCOPY ../outside /x\n', /forbidden path outside the build context: \.\.\/outside/],
      ['FROM busybox\nCOPY --from=nost /a /x\n', /invalid from flag value nost:/],
      // A missing base is pulled, as dockerd does: here Docker Hub is unreachable (dockerd says the same).
      ['FROM nothere:1\n', /Get "https:\/\/registry-1\.docker\.io\/v2\/": |pull access denied for nothere/],
      ['FROM busybox AS a\nRUN true\n', /failed to reach build target nosuch in Dockerfile/, ['--target', 'nosuch']],
      ['FROM busybox\nRUN --mount=type=cache,target=/c true\n', /the --mount option requires BuildKit/],
    ];
    for (const [dockerfile, re, extra] of cases) {
      const ctx = await writeContext({ Dockerfile: dockerfile });
      const r = await dockerBuild(d, [...(extra ?? []), ctx]);
      assert.notEqual(r.code, 0, dockerfile);
      assert.match(r.stderr, re, dockerfile);
    }
    await assertNothingLeft(d, images);
  });

  it('sweeps what a daemon killed in the middle of a RUN left (container, mount, snapshot)', async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nRUN echo started && sleep 60\n' });
    const child = spawn(DOCKER, ['build', ctx], { env: d.env, stdio: ['ignore', 'pipe', 'ignore'] });
    let seen = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (b: Buffer) => {
        seen += b.toString();
        if (/^started$/m.test(seen)) resolve();
      }),
    );
    await d.kill();
    child.kill();
    const pidFiles = await fs.readdir(`${d.execRoot}/build/bundles`);
    assert.equal(pidFiles.length, 1, 'the RUN was running when the daemon died');
    const pid = Number(await fs.readFile(`${d.execRoot}/build/bundles/${pidFiles[0]}/init.pid`, 'utf8'));
    d = await startWharfd({ dir: d.dir });
    await assertNothingLeft(d, images);
    const alive = await fs.access(`/proc/${pid}`).then(
      () => true,
      () => false,
    );
    assert.equal(alive, false, "the RUN's process outlived the sweep");
  });
});
