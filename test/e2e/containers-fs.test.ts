/**
 * The container filesystem endpoints through the real docker CLI against a private wharfd:
 * `docker cp` both ways (running and stopped containers, a symlink escape attempt, `-a`, errors),
 * `docker diff`, `docker export`, `docker commit` (then run and history), and that nothing is left
 * mounted afterwards.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, run, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, mountsOf, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[], input?: string | Buffer): Promise<string> {
  const r = await d.docker(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs the docker CLI with its (binary) stdout going to `file`. */
async function dockerToFile(d: TestDaemon, args: string[], file: string): Promise<void> {
  const quoted = [DOCKER, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = await run('sh', ['-c', `${quoted} > '${file}'`], { env: d.env });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
}

/** `tar tv`-style listing of a tar (name, type+mode, owner) from GNU tar. */
async function tarList(tar: string): Promise<string[]> {
  const r = await run('tar', ['tvf', tar, '--numeric-owner']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return `${f[0]} ${f[1]} ${f.slice(5).join(' ')}`;
    });
}

describe('container filesystem: cp, diff, export, commit', () => {
  let d: TestDaemon;
  let tmp: string;
  before(async () => {
    // Loaded here, not by the fixture: a failed load must still leave `d` for after() to destroy.
    d = await startDaemonWithBusybox({ load: false });
    await ok(d, ['load', '-i', await busyboxArchive()]);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-cp-'));
    await ok(d, ['run', '-d', '--name', 'fs1', '--network', 'none', 'busybox', 'sleep', '1000']);
    await ok(d, ['exec', 'fs1', 'sh', '-c', 'ln -s / /escape; echo inside > /tmp/in; mkdir -p /data/sub; echo deep > /data/sub/f']);
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
    if (!d) return;
    try {
      await removeAllContainers(d);
      assert.deepEqual(await mountsOf(d), [], 'no mounts left under the data or exec root');
      assert.deepEqual(await fs.readdir(path.join(d.execRoot, 'cp')), [], 'no temporary rootfs mount dirs left');
    } finally {
      await d.destroy();
    }
  });

  it('copies a file out through a symlink to / and finds the container file, not the host one', async () => {
    const hostname = (await ok(d, ['exec', 'fs1', 'hostname'])).trim();
    const file = path.join(tmp, 'hn.tar');
    await dockerToFile(d, ['cp', 'fs1:/escape/etc/hostname', '-'], file);
    const x = await run('tar', ['xOf', file]);
    assert.equal(x.stdout.trim(), hostname, 'the container hostname (its /etc/hostname bind mount), not the host one');
    assert.notEqual(x.stdout.trim(), os.hostname());
  });

  it('copies a file in through the symlink without writing on the host', async () => {
    const src = path.join(tmp, 'payload');
    await fs.writeFile(src, 'from host\n');
    const marker = `/tmp/wharf-cp-escape-${path.basename(tmp)}`;
    await ok(d, ['cp', src, `fs1:/escape${marker}`]);
    assert.equal(await ok(d, ['exec', 'fs1', 'cat', marker]), 'from host\n');
    await assert.rejects(fs.access(marker), 'nothing was written at that path on the host');
  });

  it('copies directories both ways, with the trailing /. semantics', async () => {
    const dir = path.join(tmp, 'tree');
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
    await fs.writeFile(path.join(dir, 'sub/a'), 'a');
    await fs.chown(path.join(dir, 'sub/a'), 1234, 2345);
    await ok(d, ['cp', dir, 'fs1:/tmp/']);
    assert.equal((await ok(d, ['exec', 'fs1', 'stat', '-c', '%u:%g %s', '/tmp/tree/sub/a'])).trim(), '1234:2345 1', 'owners from the archive');
    const outDir = path.join(tmp, 'out');
    await fs.mkdir(outDir);
    await ok(d, ['cp', 'fs1:/data/.', outDir]);
    assert.equal(await fs.readFile(path.join(outDir, 'sub/f'), 'utf8'), 'deep\n', 'the content of /data, not /data itself');
    await ok(d, ['cp', 'fs1:/data', outDir]);
    assert.equal(await fs.readFile(path.join(outDir, 'data/sub/f'), 'utf8'), 'deep\n');
  });

  it('names archive entries after the path asked for', async () => {
    const get = async (p: string) => {
      const f = path.join(tmp, 'l.tar');
      await dockerToFile(d, ['cp', `fs1:${p}`, '-'], f);
      return (await tarList(f)).map((l) => l.split(' ').slice(2).join(' '));
    };
    assert.deepEqual(await get('/escape'), ['escape -> /'], 'a symlink without a trailing / stays a symlink');
    // The init layer's /.dockerenv sorts first, as in dockerd's archive of /.
    assert.deepEqual((await get('/escape/')).slice(0, 3), ['escape/', 'escape/.dockerenv', 'escape/bin/']);
    assert.deepEqual(await get('/data/.'), ['./', './sub/', './sub/f']);
  });

  it('gives the container user ownership with cp -a', async () => {
    await ok(d, ['run', '-d', '--name', 'fs-user', '--user', 'nobody', 'busybox', 'sleep', '1000']);
    const src = path.join(tmp, 'owned');
    await fs.writeFile(src, 'x');
    await fs.chown(src, 4321, 4321);
    await ok(d, ['cp', '-a', src, 'fs-user:/tmp/owned']);
    assert.equal((await ok(d, ['exec', 'fs-user', 'stat', '-c', '%u:%g', '/tmp/owned'])).trim(), '65534:65534');
    await ok(d, ['rm', '-f', 'fs-user']);
  });

  it("reports Docker's errors", async () => {
    const missing = await d.docker(['cp', 'fs1:/nosuch', '-']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not find the file \/nosuch in container fs1/);
    const noCtr = await d.docker(['cp', 'nosuch-ctr:/etc', '-']);
    assert.match(noCtr.stderr, /No such container:path: nosuch-ctr:\/etc|No such container: nosuch-ctr/);
    const intoFile = await d.docker(['cp', path.join(tmp, 'payload'), 'fs1:/etc/passwd/x']);
    assert.notEqual(intoFile.code, 0);
  });

  it('copies from and into a stopped container, leaving no mount behind', async () => {
    await ok(d, ['run', '--name', 'fs-stopped', 'busybox', 'sh', '-c', 'echo was-here > /tmp/mark']);
    const f = path.join(tmp, 'mark.tar');
    await dockerToFile(d, ['cp', 'fs-stopped:/tmp/mark', '-'], f);
    assert.equal((await run('tar', ['xOf', f])).stdout, 'was-here\n');
    const src = path.join(tmp, 'into-stopped');
    await fs.writeFile(src, 'put while stopped\n');
    await ok(d, ['cp', src, 'fs-stopped:/tmp/']);
    assert.deepEqual(
      (await mountsOf(d)).filter((m) => m.startsWith(path.join(d.execRoot, 'cp'))),
      [],
    );
    await ok(d, ['start', '-a', 'fs-stopped']);
    await dockerToFile(d, ['cp', 'fs-stopped:/tmp/into-stopped', '-'], f);
    assert.equal((await run('tar', ['xOf', f])).stdout, 'put while stopped\n');
  });

  it('diff lists changes in the rw layer like Docker', async () => {
    await ok(d, ['run', '-d', '--name', 'fs-diff', 'busybox', 'sleep', '1000']);
    assert.equal(await ok(d, ['diff', 'fs-diff']), '', 'the runtime mount targets are not changes');
    await ok(d, ['exec', 'fs-diff', 'sh', '-c', 'rm /bin/vi; echo x >> /etc/passwd; mkdir /n; touch /n/f']);
    assert.deepEqual((await ok(d, ['diff', 'fs-diff'])).trim().split('\n'), ['C /bin', 'D /bin/vi', 'C /etc', 'C /etc/passwd', 'A /n', 'A /n/f']);
  });

  it('export streams the whole root filesystem', async () => {
    const f = path.join(tmp, 'export.tar');
    await dockerToFile(d, ['export', 'fs1'], f);
    const names = (await tarList(f)).map((l) => l.split(' ').slice(2).join(' '));
    assert.ok(names.includes('bin/busybox'));
    assert.ok(names.includes('data/sub/f'));
    assert.ok(names.includes('escape -> /'));
    assert.ok(!names.some((n) => n.startsWith('/') || n.startsWith('./')), 'names relative to /, as docker export writes them');
  });

  it('commit makes an image with the changes, the new config and history', async () => {
    await ok(d, ['run', '-d', '--name', 'fs-commit', 'busybox', 'sh', '-c', 'echo committed > /greeting; sleep 1000']);
    const id = (await ok(d, ['commit', '-c', 'CMD ["cat", "/greeting"]', '-c', 'ENV COMMITTED=1', '-m', 'a message', '-a', 'tester', 'fs-commit', 'committed:1'])).trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await ok(d, ['run', '--rm', 'committed:1']), 'committed\n');
    assert.equal((await ok(d, ['run', '--rm', 'committed:1', 'sh', '-c', 'echo $COMMITTED'])).trim(), '1');
    const history = (await ok(d, ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'committed:1'])).trim().split('\n');
    assert.equal(history[0], 'sh -c echo committed > /greeting; sleep 1000|a message');
    assert.equal(history.length, 2);
    assert.equal((await ok(d, ['inspect', '-f', '{{.Author}}|{{.Comment}}|{{.Config.Cmd}}', 'committed:1'])).trim(), 'tester|a message|[cat /greeting]');
    assert.equal((await ok(d, ['inspect', '-f', '{{.State.Status}}', 'fs-commit'])).trim(), 'running', 'unpaused after the commit');
    const layers = (await ok(d, ['inspect', '-f', '{{len .RootFS.Layers}}', 'committed:1'])).trim();
    assert.equal(layers, '2');
  });

  it('commit of a container without changes adds no layer', async () => {
    await ok(d, ['create', '--name', 'fs-nochange', 'busybox', 'true']);
    await ok(d, ['commit', 'fs-nochange', 'nochange:1']);
    assert.equal((await ok(d, ['inspect', '-f', '{{len .RootFS.Layers}}', 'nochange:1'])).trim(), '1');
    const sizes = (await ok(d, ['history', '--format', '{{.Size}}', 'nochange:1'])).trim().split('\n');
    assert.equal(sizes[0], '0B');
  });
});
