/**
 * `POST /build?remote=…` against wharfd: the daemon fetches the context itself — a context
 * archive or a bare Dockerfile from an HTTP server on 127.0.0.1, a git repository from
 * `git daemon` on 127.0.0.1 with dockerd's `#ref:subdir` fragment (default ref `master`).
 * The docker CLI downloads URL contexts itself, so the API is driven directly. The expected
 * texts are dockerd 20.10's (checked against the real daemon with the same servers).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { freePort } from './distribution-fixtures.js';
import { cleanupContexts, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

type Message = { stream?: string; status?: string; id?: string; progressDetail?: { current?: number }; error?: string; aux?: { ID: string } };

/** POST /build with an empty body; the status and the JSON messages (or the error message). */
function postBuild(socket: string, query: Record<string, string>): Promise<{ status: number; messages: Message[]; text: string }> {
  const qs = new URLSearchParams(query).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method: 'POST', path: `/v1.41/build?${qs}` }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => {
        const messages = res.statusCode === 200 ? text.split(/\r?\n/).filter(Boolean).map((l) => JSON.parse(l) as Message) : [];
        resolve({ status: res.statusCode ?? 0, messages, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const output = (ms: Message[]) => ms.map((m) => m.stream ?? '').join('');

async function git(cwd: string, args: string[]): Promise<void> {
  ok(await run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd }), `git ${args.join(' ')}`);
}

describe('POST /build?remote= (URL and git contexts)', () => {
  let d: TestDaemon;
  let server: http.Server;
  let base: string;
  let gitd: ChildProcess;
  let gitBase: string;
  let gitRoot: string;

  before(async () => {
    d = await startDaemonWithBusybox();
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt\n', 'a.txt': 'from the tarball\n' });
    const tgz = (await run('sh', ['-c', `tar -C ${ctx} -cz . | base64 -w0`])).stdout;
    const files: Record<string, { type?: string; body: Buffer }> = {
      '/ctx.tar.gz': { type: 'application/gzip', body: Buffer.from(tgz, 'base64') },
      '/Dockerfile': { type: 'application/octet-stream', body: Buffer.from('FROM busybox\nRUN echo plain dockerfile\n') },
      '/Dockerfile.txt': { type: 'text/plain; charset=utf-8', body: Buffer.from('FROM busybox\nRUN echo text dockerfile\n') },
    };
    server = http.createServer((req, res) => {
      const f = files[req.url ?? ''];
      if (!f) {
        res.writeHead(404, 'Not Found', { 'Content-Type': 'text/plain' });
        res.end('no such file\n');
        return;
      }
      res.writeHead(200, f.type ? { 'Content-Type': f.type } : {});
      res.end(f.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    // A repository with master (the default ref), a branch and a tag, served by `git daemon`.
    gitRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-build-git-'));
    const repo = path.join(gitRoot, 'repo');
    await fs.mkdir(path.join(repo, 'sub'), { recursive: true });
    await fs.writeFile(path.join(repo, 'Dockerfile'), 'FROM busybox\nCOPY sub/f /f\nRUN cat /f\n');
    await fs.writeFile(path.join(repo, 'sub', 'Dockerfile'), 'FROM busybox\nCOPY f /f\nRUN cat /f\n');
    await fs.writeFile(path.join(repo, 'sub', 'f'), 'on master\n');
    await git(repo, ['init', '-q', '-b', 'master']);
    await git(repo, ['add', '-A']);
    await git(repo, ['commit', '-qm', 'one']);
    await git(repo, ['checkout', '-qb', 'feature']);
    await fs.writeFile(path.join(repo, 'sub', 'f'), 'on feature\n');
    await git(repo, ['commit', '-qam', 'two']);
    await git(repo, ['tag', 'v1']);
    await git(repo, ['checkout', '-q', 'master']);
    const port = await freePort();
    gitd = spawn('git', ['daemon', '--reuseaddr', '--export-all', `--base-path=${gitRoot}`, '--listen=127.0.0.1', `--port=${port}`, gitRoot], { stdio: 'ignore' });
    gitBase = `git://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if ((await run('git', ['ls-remote', `${gitBase}/repo`])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    server?.close();
    if (gitd && gitd.exitCode === null) {
      const exited = new Promise((r) => gitd.once('exit', r));
      gitd.kill('SIGTERM');
      await exited;
    }
    if (gitRoot) await fs.rm(gitRoot, { recursive: true, force: true });
    await d?.destroy();
  });

  it('builds a context tarball fetched over HTTP, reporting the download', async () => {
    const r = await postBuild(d.socket, { remote: `${base}/ctx.tar.gz`, t: 'remote:tgz' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.messages[0]?.id, 'Downloading context');
    assert.equal(r.messages[0]?.status, `${base}/ctx.tar.gz`);
    assert.ok((r.messages[0]?.progressDetail?.current ?? 0) > 0);
    assert.match(output(r.messages), /^Step 1\/3 : FROM busybox\n[\s\S]*^from the tarball\n[\s\S]*Successfully tagged remote:tgz\n$/m);
    assert.equal(ok(await d.docker(['run', '--rm', 'remote:tgz', 'cat', '/a.txt']), 'run'), 'from the tarball\n');
  });

  it('builds a bare Dockerfile, declared text/plain or sniffed from octet-stream', async () => {
    for (const [file, said] of [
      ['Dockerfile.txt', 'text dockerfile'],
      ['Dockerfile', 'plain dockerfile'],
    ]) {
      const r = await postBuild(d.socket, { remote: `${base}/${file}` });
      assert.equal(r.status, 200, r.text);
      assert.ok(!r.messages.some((m) => m.error), r.text);
      assert.match(output(r.messages), new RegExp(`^${said}\\n`, 'm'));
    }
  });

  it("answers a missing URL with the server's status, an unknown scheme as dockerd does", async () => {
    const missing = await postBuild(d.socket, { remote: `${base}/nothere` });
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.text).message, `error downloading remote context ${base}/nothere: failed to GET ${base}/nothere with status 404 Not Found: no such file`);
    const file = await postBuild(d.socket, { remote: 'file:///tmp/x' });
    assert.equal(file.status, 500);
    assert.equal(JSON.parse(file.text).message, 'remoteURL (file:///tmp/x) could not be recognized as URL');
  });

  it('builds a git context: master by default, #branch:subdir, #tag', async () => {
    const cases: Array<[string, string]> = [
      ['', 'on master'],
      ['#feature:sub', 'on feature'],
      ['#v1', 'on feature'],
    ];
    for (const [fragment, want] of cases) {
      const r = await postBuild(d.socket, { remote: `${gitBase}/repo${fragment}` });
      assert.equal(r.status, 200, `${fragment}: ${r.text}`);
      assert.ok(!r.messages.some((m) => m.error), r.text);
      assert.match(output(r.messages), new RegExp(`^${want}\\n`, 'm'), fragment);
    }
  });

  it('refuses a missing ref and a subdirectory outside the checkout, leaving no clone behind', async () => {
    const noRef = await postBuild(d.socket, { remote: `${gitBase}/repo#nosuch` });
    assert.equal(noRef.status, 500);
    assert.match(JSON.parse(noRef.text).message, /^error fetching: fatal: couldn't find remote ref nosuch\n: exit status 128$/);
    const out = await postBuild(d.socket, { remote: `${gitBase}/repo#master:../x` });
    assert.equal(out.status, 500);
    assert.match(JSON.parse(out.text).message, /^error setting git context, "\.\.\/x" not within git root/);
    const scratch = await fs.readdir(path.join(d.execRoot, 'build'));
    assert.deepEqual(
      scratch.filter((n) => n.startsWith('wharf-build-')),
      [],
    );
  });
});
