/**
 * wharf's filesystem commands (cp both ways, diff, export, commit) and `container prune` against
 * the real docker CLI on one private, real dockerd: same outputs, and the same files and images
 * as results.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, startHarness } from './testkit/docker-harness.js';

const NET = ['--network', 'none'];

/** A listing of a local tree: path, type, and content hash or link target, sorted. */
async function treeListing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const r = path.join(rel, name);
      const abs = path.join(root, r);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        out.push(`${r}/`);
        await walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r} -> ${await readlink(abs)}`);
      else out.push(`${r} ${createHash('sha256').update(await readFile(abs)).digest('hex').slice(0, 12)} ${(st.mode & 0o777).toString(8)}`);
    }
  };
  await walk('');
  return out;
}

/** Entry names of a tar. */
async function tarNames(buf: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      names.push(entry.header.name);
      entry.resume();
    }
  })();
  Readable.from([buf]).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return names;
}

describe('container files: wharf vs docker', { timeout: 300000 }, () => {
  let h: Harness;
  let dir: string;

  before(async () => {
    h = await startHarness(startRealDockerd);
    dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-cp-'));
    await mkdir(path.join(dir, 'src/adir/sub'), { recursive: true });
    await writeFile(path.join(dir, 'src/f'), 'file f\n', { mode: 0o640 });
    await writeFile(path.join(dir, 'src/adir/sub/g'), 'file g\n');
    await symlink('f', path.join(dir, 'src/link'));
    await h.docker(['run', '-d', ...NET, '--name', 'box', 'busybox', 'sleep', '1000']);
    await h.docker(['exec', 'box', 'sh', '-c', 'mkdir -p /data/d && echo x > /data/d/x && ln -s /data/d /data/dlink && echo y > /data/y']);
  });

  after(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies out of a container like docker cp', async () => {
    const copies: Array<[string, string]> = [
      ['box:/data', 'out/'],
      ['box:/data/y', 'out/renamed'],
      ['box:/data/.', 'out/contents'],
      ['box:/data/dlink', 'out/link-itself'],
      ['box:/etc/hostname', 'out/'],
    ];
    const trees: string[][] = [];
    for (const tool of ['docker', 'wharf'] as const) {
      const root = path.join(dir, tool);
      await mkdir(path.join(root, 'out'), { recursive: true });
      for (const [src, dst] of copies) {
        const args = ['cp', src, path.join(root, dst)];
        const r = tool === 'docker' ? await h.docker(args) : await h.wharf(args);
        assert.equal(r.code, 0, `${tool} ${args.join(' ')}: ${r.stderr}`);
      }
      const follow = ['cp', '-L', 'box:/data/dlink', path.join(root, 'out/followed')];
      assert.equal((tool === 'docker' ? await h.docker(follow) : await h.wharf(follow)).code, 0);
      trees.push(await treeListing(root));
    }
    assert.deepEqual(trees[1], trees[0]);
    assert.ok(trees[0].some((l) => l.startsWith('out/followed/x ')), 'cp -L follows the link');
    assert.ok(trees[0].includes('out/link-itself -> /data/d'), 'cp keeps a link without -L');
    const viaStdout = await h.same(['cp', 'box:/data/y', '-']);
    assert.deepEqual(await tarNames(viaStdout.stdoutBuffer), ['y']);
  });

  it('copies into a container like docker cp', async () => {
    const src = path.join(dir, 'src');
    for (const tool of ['d', 'w']) {
      const cli = (args: string[]) => (tool === 'd' ? h.docker(args) : h.wharf(args));
      for (const args of [
        ['cp', path.join(src, 'adir'), `box:/in-${tool}-dir`],
        ['cp', path.join(src, 'f'), `box:/in-${tool}-file`],
        ['cp', path.join(src, 'adir/.'), `box:/in-${tool}-contents`],
        ['cp', '-L', path.join(src, 'link'), `box:/in-${tool}-followed`],
        ['cp', path.join(src, 'link'), `box:/in-${tool}-link`],
        ['cp', '-a', path.join(src, 'f'), 'box:/tmp/'],
      ]) {
        const r = await cli(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      }
    }
    const list = async (p: string) => (await h.docker(['exec', 'box', 'sh', '-c', `cd ${p} && find . | sort && ls -ln . | tail -n +2 | awk '{print $1, $5, $9, $10, $11}'`])).stdout;
    for (const suffix of ['dir', 'contents']) assert.equal(await list(`/in-w-${suffix}`), await list(`/in-d-${suffix}`));
    const files = (await h.docker(['exec', 'box', 'sh', '-c', 'ls -ln / | grep " in-" | awk \'{print $1, $5, $9, $10, $11}\''])).stdout;
    const of = (t: string) => files.split('\n').filter((l) => l.includes(` in-${t}-`)).map((l) => l.replace(` in-${t}-`, ' in-').trim());
    assert.deepEqual(of('w'), of('d'));
    assert.deepEqual(of('w'), ['drwxr-xr-x 4096 in-contents', 'drwxr-xr-x 4096 in-dir', '-rw-r----- 7 in-file', '-rw-r----- 7 in-followed', 'lrwxrwxrwx 1 in-link -> f']);
    const tarIn = await h.docker(['exec', 'box', 'cat', '/data/y']);
    assert.equal(tarIn.stdout, 'y\n');
  });

  it('reports cp errors like docker', async () => {
    const src = path.join(dir, 'src');
    await h.same(['cp', 'box:/nonexist', path.join(dir, 'x')]);
    await h.same(['cp', '/nonexist', 'box:/tmp']);
    // docker's tar goroutine may log (logrus) about the pipe it abandons: noise, not output.
    const noLogrus = (out: string) => out.replace(/^time=".*" level=error msg=.*\n/gm, '');
    await h.same(['cp', path.join(src, 'f'), 'box:/nonexist/dir/'], { normalize: noLogrus });
    await h.same(['cp', path.join(src, 'adir'), 'box:/data/y'], { normalize: noLogrus });
    await h.same(['cp', 'box:/data', path.join(src, 'f')]);
    await h.same(['cp', 'box:/data/y', '/nonexistent-dir/x']);
    await h.same(['cp', 'box:/data/y', path.join(dir, 'nodir/')]);
    await h.same(['cp', '-', 'box:/data/y']);
    await h.same(['cp', 'nosuch:/etc', path.join(dir, 'x')]);
    await h.same(['cp', 'a:b', 'c:d']);
    await h.same(['cp', 'a', 'b']);
    await h.same(['cp', '', 'b']);
    await h.same(['cp', 'x']);
  });

  it('extracts a tar from stdin with cp -', async () => {
    const tarball = (await h.docker(['cp', 'box:/data/d', '-'])).stdoutBuffer;
    for (const tool of ['d', 'w']) {
      await h.docker(['exec', 'box', 'mkdir', `/from-stdin-${tool}`]);
      const args = ['cp', '-', `box:/from-stdin-${tool}`];
      const r = tool === 'd' ? await h.docker(args, { input: tarball }) : await h.wharf(args, { stdin: tarball });
      assert.equal(r.code, 0, r.stderr);
    }
    const d = await h.docker(['exec', 'box', 'find', '/from-stdin-d']);
    const w = await h.docker(['exec', 'box', 'find', '/from-stdin-w']);
    assert.equal(w.stdout.replaceAll('stdin-w', 'stdin-d'), d.stdout);
    assert.match(w.stdout, /\/from-stdin-w\/d\/x\n/);
  });

  it('shows changes, exports and commits like docker', async () => {
    await h.docker(['exec', 'box', 'sh', '-c', 'touch /newfile && rm /etc/hostname.bak 2>/dev/null; echo changed >> /etc/profile']);
    // dockerd lists changes in map order, different on each call: compare them as sets.
    const sorted = (out: string) => out.split('\n').sort().join('\n');
    await h.same(['diff', 'box'], { normalize: sorted });
    await h.same(['container', 'diff', 'box'], { normalize: sorted });
    await h.same(['diff', 'nosuch']);
    const d = await h.docker(['export', 'box']);
    const w = await h.wharf(['export', 'box']);
    assert.equal(w.code, 0, w.stderr);
    assert.deepEqual((await tarNames(w.stdoutBuffer)).sort(), (await tarNames(d.stdoutBuffer)).sort());
    const file = path.join(dir, 'export.tar');
    assert.equal((await h.wharf(['container', 'export', '-o', file, 'box'])).code, 0);
    assert.deepEqual((await tarNames(await readFile(file))).sort(), (await tarNames(d.stdoutBuffer)).sort());
    await h.same(['export', '-o', '/nonexistent-dir/x.tar', 'box']);
    await h.same(['export', 'nosuch']);
    for (const tool of ['d', 'w']) {
      const args = ['commit', '-c', 'ENV A=1', '-c', 'CMD ["sh"]', '-m', 'a message', '-a', 'me', 'box', `committed:${tool}`];
      const r = tool === 'd' ? await h.docker(args) : await h.wharf(args);
      assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/, r.stderr);
    }
    const fmt = '{{.Comment}}|{{.Author}}|{{json .Config.Env}}|{{json .Config.Cmd}}|{{len .RootFS.Layers}}';
    const di = await h.docker(['image', 'inspect', '-f', fmt, 'committed:d']);
    const wi = await h.docker(['image', 'inspect', '-f', fmt, 'committed:w']);
    assert.equal(wi.stdout, di.stdout);
    assert.equal(di.stdout, 'a message|me|["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1"]|["sh"]|2\n');
    await h.same(['commit', 'nosuch']);
    await h.same(['commit', 'box', 'a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']);
    await h.same(['commit']);
    await h.same(['container', 'commit', 'a', 'b', 'c']);
    const noPause = await h.wharf(['commit', '--pause=false', 'box']);
    assert.match(noPause.stdout, /^sha256:[0-9a-f]{64}\n$/);
  });

  it('prunes stopped containers like docker', async () => {
    for (const tool of ['d', 'w']) {
      for (const n of [1, 2]) await h.docker(['create', '--label', `prune=${tool}`, '--name', `pr-${tool}${n}`, 'busybox']);
    }
    const d = await h.docker(['container', 'prune', '-f', '--filter', 'label=prune=d']);
    const w = await h.wharf(['container', 'prune', '-f', '--filter', 'label=prune=w']);
    const ids = (s: string) => s.replace(/[0-9a-f]{64}/g, 'ID');
    assert.equal(ids(w.stdout), ids(d.stdout));
    assert.match(w.stdout, /^Deleted Containers:\n[0-9a-f]{64}\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B\n$/);
    await h.same(['container', 'prune', '-f', '--filter', 'label=prune=none']);
    await h.same(['container', 'prune'], { stdin: 'n\n' });
    await h.same(['container', 'prune', '--filter', 'bad']);
    assert.equal((await h.docker(['ps', '-aq', '--filter', 'label=prune'])).stdout, '');
  });
});
