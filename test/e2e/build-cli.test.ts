/**
 * `wharf build` against a private wharfd: tags, -f inside and outside the context and from
 * stdin, contexts from a directory, stdin (a tar or a bare Dockerfile) and a tar file, build
 * args, labels, --target, -q, --iidfile, the plain progress for logs, BuildKit-style progress on
 * a terminal, and a failing RUN's exit code and output.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPtySession } from '../../src/cli/testkit/pty-session.js';
import { entry, run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupContexts, idOf, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

describe('wharf build', () => {
  let d: TestDaemon;
  let ctx: string;

  before(async () => {
    d = await startDaemonWithBusybox();
    ctx = await writeContext({ Dockerfile: 'FROM busybox\nARG MSG=none\nCOPY msg.txt /msg\nRUN echo "$MSG" > /arg\n', 'msg.txt': 'from context\n' });
  });
  after(async () => {
    await d?.destroy();
  });

  it('tags, takes build args and labels, writes --iidfile, prints the ID with -q', async () => {
    const iid = path.join(ctx, '..', `${path.basename(ctx)}.iid`);
    const out = ok(await d.wharf(['build', '-q', '-t', 'cli:1', '-t', 'cli:2', '--build-arg', 'MSG=hello', '--label', 'l=v', '--iidfile', iid, ctx]), 'build');
    const id = idOf(out);
    assert.equal(out, `${id}\n`);
    assert.equal(await fs.readFile(iid, 'utf8'), id);
    await fs.rm(iid);
    const tags = ok(await d.docker(['image', 'inspect', '-f', '{{json .RepoTags}} {{json .Config.Labels}}', id]), 'inspect').trim();
    assert.equal(tags, '["cli:1","cli:2"] {"l":"v"}');
    assert.equal(ok(await d.docker(['run', '--rm', 'cli:1', 'cat', '/msg', '/arg']), 'run'), 'from context\nhello\n');
  });

  it('shows plain, numbered progress for logs, with CACHED steps on a rebuild', async () => {
    const r = await d.wharf(['build', '--progress', 'plain', '--build-arg', 'MSG=hello', '-t', 'cli:1', ctx]);
    ok(r, 'build');
    assert.match(r.stderr, /^#1 \[1\/4\] FROM busybox\n#1 DONE \d+\.\ds$/m);
    assert.match(r.stderr, /^#4 \[4\/4\] RUN echo "\$MSG" > \/arg\n#4 CACHED$/m);
    assert.match(r.stderr, /^#5 naming to cli:1 done$/m);
  });

  it('reads the Dockerfile from outside the context, from stdin, and builds stdin and tar-file contexts', async () => {
    const outside = path.join(os.tmpdir(), `wharf-df-${process.pid}`);
    await fs.writeFile(outside, 'FROM busybox\nCOPY msg.txt /outside\n');
    try {
      const id1 = idOf(ok(await d.wharf(['build', '-q', '-f', outside, ctx]), '-f outside'));
      assert.equal(ok(await d.docker(['run', '--rm', id1, 'cat', '/outside']), 'run'), 'from context\n');
    } finally {
      await fs.rm(outside, { force: true });
    }
    const id2 = idOf(ok(await d.wharf(['build', '-q', '-f', '-', ctx], { input: 'FROM busybox\nCOPY msg.txt /stdin-df\n' }), '-f -'));
    assert.equal(ok(await d.docker(['run', '--rm', id2, 'cat', '/stdin-df']), 'run'), 'from context\n');
    const bare = await d.wharf(['build', '-q', '-'], { input: 'FROM busybox\nRUN echo bare > /bare\n' });
    assert.equal(ok(await d.docker(['run', '--rm', idOf(ok(bare, 'bare Dockerfile')), 'cat', '/bare']), 'run'), 'bare\n');
    const tarFile = path.join(os.tmpdir(), `wharf-ctx-${process.pid}.tar`);
    ok(await run('tar', ['-cf', tarFile, '-C', ctx, '.']), 'tar');
    try {
      const fromFile = idOf(ok(await d.wharf(['build', '-q', tarFile]), 'tar file'));
      const fromStdin = idOf(ok(await d.wharf(['build', '-q', '-'], { input: await fs.readFile(tarFile) }), 'tar on stdin'));
      assert.equal(fromFile, fromStdin, 'the same context gives the same (cached) image');
    } finally {
      await fs.rm(tarFile, { force: true });
    }
  });

  it('builds a --target stage and fails with the RUN exit code and its output', async () => {
    const multi = await writeContext({ Dockerfile: 'FROM busybox AS one\nRUN echo one > /one\nFROM one\nRUN echo failing now; exit 7\n' });
    const id = idOf(ok(await d.wharf(['build', '-q', '--target', 'one', multi]), '--target'));
    assert.equal(ok(await d.docker(['run', '--rm', id, 'cat', '/one']), 'run'), 'one\n');
    const r = await d.wharf(['build', '--progress', 'plain', multi]);
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stderr, /^#\d+ \d+\.\d{3} failing now$/m);
    assert.match(r.stderr, /The command '\/bin\/sh -c echo failing now; exit 7' returned a non-zero code: 7/);
    assert.equal(ok(await d.docker(['ps', '-a', '-q']), 'ps').trim(), '');
  });

  it('draws BuildKit-style progress on a terminal', async () => {
    const slow = await writeContext({ Dockerfile: `FROM busybox\nRUN echo tick-${Date.now()} && sleep 0.5 && echo tock\nCOPY Dockerfile /df\n` });
    const argv = [process.execPath, ...entry('wharf'), 'build', '-t', 'tty:1', slow];
    const s = startPtySession(argv, { rows: 40, cols: 120, env: d.env });
    assert.equal(await s.exited, 0, s.output());
    const screen = s.output();
    assert.match(screen, /\[\+\] Building \d+\.\ds \(\d+\/\d+\)/);
    assert.match(screen, / => \[2\/3\] RUN echo tick-\d+ && sleep 0\.5 && echo tock +\d+\.\ds/);
    assert.match(screen, / => => # tick-\d+/, 'the running step shows the tail of its output');
    assert.match(screen, /FINISHED/);
    assert.match(screen, / => => naming to tty:1/);
    const again = startPtySession(argv, { rows: 40, cols: 120, env: d.env });
    assert.equal(await again.exited, 0);
    assert.match(again.output(), / => CACHED \[2\/3\] RUN echo tick/);
  });
});
