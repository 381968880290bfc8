/**
 * The wharf CLI against the real docker CLI, both talking to the same private, real dockerd:
 * for each command the stdout, stderr and exit status must match docker's (with "wharf" read as
 * "docker" in usage messages). Images are loaded from archives made here with a creation date in
 * 2020, so relative times ("5 years ago") are stable between the two runs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { type RealDockerd, type RunResult, startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { main } from './main.js';

async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) pack.entry({ name, mtime: new Date('2020-01-01T00:00:00Z') }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A `docker save`-format archive (legacy layout) of a one-layer image created in 2020. */
async function imageArchive(opts: { tags: string[]; file: string; created: string; labels?: Record<string, string> }): Promise<Buffer> {
  const layer = await tarOf({ [opts.file]: `content of ${opts.file}\n` });
  const created = opts.created;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Cmd: ['sh'], Labels: opts.labels ?? null, Env: ['A=1', 'B=<two>'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
    history: [{ created, created_by: '/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ', comment: 'first\tlayer' }],
  });
  const configName = `${sha(config)}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: opts.tags, Layers: ['l1/layer.tar'] }]);
  return tarOf({ [configName]: config, 'l1/layer.tar': layer, 'manifest.json': manifest });
}

class Capture extends PassThrough {
  isTTY = false;
  columns = 120;
  text = '';
  constructor() {
    super();
    this.on('data', (b: Buffer) => {
      this.text += b.toString('latin1');
    });
  }
}

describe('wharf vs docker on a real dockerd', { timeout: 300000 }, () => {
  let d: RealDockerd;
  let dir: string;

  /** Runs wharf in-process with captured streams. */
  async function wharf(args: string[], o: { stdin?: Buffer; tty?: boolean } = {}): Promise<RunResult> {
    const stdout = new Capture();
    const stderr = new Capture();
    stdout.isTTY = Boolean(o.tty);
    const stdin = Object.assign(Readable.from(o.stdin ? [o.stdin] : []), { isTTY: false });
    const code = await main(args, { io: { stdout, stderr, stdin, env: { ...process.env, DOCKER_HOST: d.host, WHARF_HOST: '' } } });
    const buf = Buffer.from(stdout.text, 'latin1');
    return { code, stdout: buf.toString(), stderr: stderr.text, stdoutBuffer: buf };
  }

  /**
   * Asserts wharf prints exactly what docker prints for the same arguments. `unordered` compares
   * stdout as a set of lines (header first): docker lists the repositories of one image in Go's
   * random map order, wharf in sorted order.
   */
  async function same(args: string[], opts: { unordered?: boolean } = {}): Promise<RunResult> {
    const want = await d.docker(args);
    const got = await wharf(args);
    const asDocker = (s: string) => s.replace(/wharf(?=[\s:'])/g, 'docker');
    // Unordered: compared as a multiset of lines (a table's header included: it is the same
    // line on both sides), since dockerd's own order of equal keys varies from call to call.
    const lines = (s: string) => (opts.unordered ? s.split('\n').sort() : s.split('\n'));
    assert.deepEqual(lines(got.stdout), lines(want.stdout), `stdout of ${args.join(' ')}`);
    assert.equal(asDocker(got.stderr), want.stderr, `stderr of ${args.join(' ')}`);
    assert.equal(got.code, want.code, `exit status of ${args.join(' ')}`);
    return got;
  }

  before(async () => {
    d = await startRealDockerd();
    dir = await mkdtemp(path.join(os.tmpdir(), 'wharf-cli-'));
    await writeFile(path.join(dir, 'old.tar'), await imageArchive({ tags: ['old:1'], file: 'a.txt', created: '2020-01-02T00:00:00Z', labels: { foo: 'bar', 'com.x': '1 2' } }));
    await writeFile(path.join(dir, 'dangling.tar'), await imageArchive({ tags: [], file: 'b.txt', created: '2020-01-01T00:00:00Z' }));
    for (const f of ['old.tar', 'dangling.tar']) assert.equal((await d.docker(['load', '-i', path.join(dir, f)])).code, 0);
    for (const t of ['old:2', '127.0.0.1:5000/foo/bar:x']) assert.equal((await d.docker(['tag', 'old:1', t])).code, 0);
  });

  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists images like docker images', async () => {
    await same(['images'], { unordered: true });
    await same(['images', '-a'], { unordered: true });
    await same(['images', '-q'], { unordered: true });
    await same(['images', '--digests'], { unordered: true });
    await same(['images', '--no-trunc'], { unordered: true });
    await same(['images', 'old']);
    await same(['image', 'ls', '--filter', 'dangling=true']);
    await same(['images', '--format', '{{json .}}'], { unordered: true });
    await same(['images', '--format', 'table {{.ID}}\\t{{.Repository}}:{{.Tag}}\\t{{.CreatedAt}}\\t{{.Containers}}\\t{{.SharedSize}}\\t{{.VirtualSize}}'], { unordered: true });
    await same(['images', '--format', '{{.Repository | upper}} {{.Foo}}'], { unordered: true });
    await same(['images', '--filter', 'bad']);
    await same(['images', 'a', 'b']);
    await same(['images', '--no-such']);
  });

  it('shows history and inspects images like docker', async () => {
    await same(['history', 'old:1']);
    await same(['history', '-H=false', '--no-trunc', 'old:1']);
    await same(['image', 'history', '-q', 'old:1']);
    await same(['history', '--format', '{{json .}}', 'old:1']);
    await same(['history', 'nosuch']);
    await same(['image', 'inspect', 'old:1']);
    await same(['image', 'inspect', '-f', '{{.Id}} {{.Config.Labels}} {{index .Config.Labels "foo"}} {{json .Config.Env}} {{.Size}}', 'old:1', 'old:2']);
    await same(['image', 'inspect', '-f', '{{.Nope}}', 'old:1']);
    await same(['image', 'inspect', '-f', '{{.Os', 'old:1']);
    await same(['image', 'inspect', 'nosuch']);
    await same(['inspect', 'old:1', 'nosuch']);
    await same(['inspect', '--type', 'image', 'nosuch']);
    await same(['inspect', '-f', '{{.RootFS.Type}}', 'old:1']);
  });

  it('prints version, info and system df like docker', async () => {
    await same(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}} {{json .Server.Components}}']);
    await same(['version', '-f', '{{.Foo}}']);
    await same(['version', '-f', '{{.Foo']);
    await same(['info', '--format', '{{.ServerVersion}} {{.Images}} {{json .Plugins}} {{.Nope}}']);
    await same(['system', 'df']);
    await same(['system', 'df', '-v']);
    await same(['system', 'df', '--format', '{{json .}}']);
    const v = await wharf(['version']);
    const dv = await d.docker(['version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.slice(v.stdout.indexOf('\nServer:')), dv.stdout.slice(dv.stdout.indexOf('\nServer:')));
    const info = await wharf(['info']);
    const dinfo = await d.docker(['info']);
    // Runtimes come from a Go map (random order in docker); compare the rest of the Server part.
    const server = (s: string) => s.slice(s.indexOf('\nServer:')).replace(/^ Runtimes: .*$/m, '').replace(/^ (NFd|Goroutines|System Time).*$/gm, '');
    assert.equal(server(info.stdout), server(dinfo.stdout));
  });

  it('tags and removes images like docker', async () => {
    await same(['tag']);
    await same(['tag', 'old:1', 'a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']);
    await same(['tag', 'nosuch', 'x']);
    assert.equal((await wharf(['tag', 'old:1', 'tagged:1'])).code, 0);
    assert.match((await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, /^tagged:1$/m);
    const docker = await d.docker(['rmi', 'tagged:1']);
    assert.equal((await wharf(['tag', 'old:1', 'tagged:1'])).code, 0);
    const ours = await wharf(['rmi', 'tagged:1']);
    assert.equal(ours.stdout, docker.stdout);
    await same(['rmi', 'nosuch']);
    await same(['rmi', '-f', 'nosuch']);
    await same(['image', 'rm']);
  });

  it('prunes dangling images like docker', async () => {
    const docker = await d.docker(['image', 'prune', '-f']);
    await d.docker(['load', '-i', path.join(dir, 'dangling.tar')]);
    const ours = await wharf(['image', 'prune', '-f']);
    assert.match(docker.stdout, /^Deleted Images:\ndeleted: sha256:/);
    assert.equal(ours.stdout, docker.stdout);
    await same(['image', 'prune', '-f', '--filter', 'until=1h']);
    const cancelled = await wharf(['image', 'prune'], { stdin: Buffer.from('n\n') });
    assert.equal(cancelled.stdout, 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ');
    assert.equal(cancelled.code, 0);
  });

  it('saves, loads and imports images', async () => {
    const archive = path.join(dir, 'saved.tar');
    assert.equal((await wharf(['save', '-o', archive, 'old:1'])).code, 0);
    const viaStdout = await wharf(['save', 'old:1']);
    assert.equal(viaStdout.code, 0);
    const dockerSave = await d.docker(['save', 'old:1']);
    assert.equal(viaStdout.stdoutBuffer.length, dockerSave.stdoutBuffer.length);
    assert.deepEqual(await readFile(archive), viaStdout.stdoutBuffer);
    const tty = await wharf(['save', 'old:1'], { tty: true });
    assert.deepEqual([tty.code, tty.stderr], [1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n']);
    await same(['save', '-o', '/nonexistent-dir/x.tar', 'old:1']);
    await same(['load', 'x']);

    await d.docker(['rmi', 'old:2', '127.0.0.1:5000/foo/bar:x']);
    const dockerLoad = await d.docker(['load', '-i', archive]);
    const loaded = await wharf(['load', '-i', archive]);
    assert.deepEqual([loaded.code, loaded.stdout], [0, dockerLoad.stdout]);
    const fromStdin = await wharf(['load'], { stdin: await readFile(archive) });
    assert.deepEqual([fromStdin.code, fromStdin.stdout], [0, 'Loaded image: old:1\n']);
    const onTty = await wharf(['load', '-i', path.join(dir, 'dangling.tar')], { tty: true });
    assert.equal(onTty.code, 0);
    assert.match(onTty.stdout, /Loaded image ID: sha256:[0-9a-f]{64}\n/);

    const rootfs = await tarOf({ 'hello.txt': 'hi\n' });
    await writeFile(path.join(dir, 'rootfs.tar'), rootfs);
    const imp = await wharf(['import', '-c', 'CMD ["sh"]', '-c', 'LABEL a=b', '-m', 'my message', path.join(dir, 'rootfs.tar'), 'imported:1']);
    assert.equal(imp.code, 0, imp.stderr);
    const id = (await d.docker(['image', 'inspect', '-f', '{{.Id}}', 'imported:1'])).stdout;
    assert.equal(imp.stdout, id);
    await same(['image', 'inspect', '-f', '{{.Comment}} {{json .Config.Cmd}} {{.Config.Labels.a}}', 'imported:1']);
    const stdinImp = await wharf(['import', '-', 'imported:2'], { stdin: rootfs });
    assert.match(stdinImp.stdout, /^sha256:[0-9a-f]{64}\n$/);
    await same(['import', path.join(dir, 'nosuch.tar')]);
    await same(['import']);
  });

  it('inspects containers and counts them in system df', async () => {
    assert.equal((await d.docker(['create', '--name', 'c1', '--label', 'k=v', 'old:1', 'sh', '-c', 'echo hi'])).code, 0);
    await same(['inspect', 'c1']);
    await same(['inspect', '-f', '{{.Name}} {{.State.Status}} {{.Config.Labels.k}} {{json .Config.Cmd}} {{.ID}}', 'c1', 'old:1']);
    await same(['inspect', '--type', 'container', 'old:1']);
    await same(['system', 'df']);
    await same(['system', 'df', '--format', '{{.Type}}: {{.Active}}/{{.TotalCount}}']);
    // The container row says "N seconds ago": retry if a second boundary falls between the runs.
    for (let attempt = 1; ; attempt++) {
      try {
        // Unordered: dockerd itself lists the two images imported in the same second in either order.
        await same(['system', 'df', '-v'], { unordered: true });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
    await d.docker(['rm', 'c1']);
  });

  it('reports an unreachable daemon', async () => {
    const stdout = new Capture();
    const stderr = new Capture();
    const env = { ...process.env, DOCKER_HOST: '', WHARF_HOST: `unix://${dir}/none.sock` };
    const code = await main(['images'], { io: { stdout, stderr, stdin: Readable.from([]), env } });
    assert.equal(code, 1);
    assert.equal(stderr.text, `Cannot connect to the Wharf daemon at unix://${dir}/none.sock. Is the wharf daemon running?\n`);
  });
});
