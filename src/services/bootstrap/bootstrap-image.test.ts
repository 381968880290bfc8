import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { createTarExtract } from '../../lib/tar/tar-reader.js';
import { bootstrapImage, normalizeRepoTag, parseBootstrapTarget } from './bootstrap-image.js';
import { DEFAULT_BUSYBOX } from './busybox-rootfs.js';
import { fileImageLoader, type ImageLoader } from './image-loader.js';

/** Reads a tar's regular files into memory, by name. */
async function tarFiles(tar: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = createTarExtract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.type === 'file') out.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}

/** A loader that keeps the archive in memory, as a daemon would receive it. */
function memoryLoader(): ImageLoader & { archive?: Buffer } {
  const l: ImageLoader & { archive?: Buffer } = {
    async load(archive) {
      const chunks: Buffer[] = [];
      for await (const c of archive) chunks.push(c as Buffer);
      l.archive = Buffer.concat(chunks);
    },
  };
  return l;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('bootstrap targets and tags', () => {
  it('parses busybox and debian targets', () => {
    assert.deepEqual(parseBootstrapTarget('busybox'), { kind: 'busybox', repoTag: 'busybox:latest' });
    assert.deepEqual(parseBootstrapTarget('busybox:1.35'), { kind: 'busybox', repoTag: 'busybox:1.35' });
    assert.deepEqual(parseBootstrapTarget('debian:bookworm'), { kind: 'debian', suite: 'bookworm', repoTag: 'debian:bookworm' });
    assert.deepEqual(parseBootstrapTarget('debian:12'), { kind: 'debian', suite: 'bookworm', repoTag: 'debian:12' });
    assert.deepEqual(parseBootstrapTarget('docker.io/library/debian'), { kind: 'debian', suite: 'stable', repoTag: 'debian:latest' });
    assert.throws(() => parseBootstrapTarget('alpine'), (e) => isKind(e, 'InvalidArgument') && /busybox and debian/.test((e as Error).message));
    assert.throws(() => parseBootstrapTarget('debian:nope'), /unknown Debian suite/);
  });

  it('normalizes tags as manifest.json records them', () => {
    assert.equal(normalizeRepoTag('busybox'), 'busybox:latest');
    assert.equal(normalizeRepoTag('my/box:1'), 'my/box:1');
    assert.equal(normalizeRepoTag('localhost:5000/box'), 'localhost:5000/box:latest');
    assert.equal(normalizeRepoTag('localhost:5000/box:v2'), 'localhost:5000/box:v2');
    assert.equal(normalizeRepoTag('docker.io/library/busybox'), 'busybox:latest');
    assert.throws(() => normalizeRepoTag('Busybox'), /invalid reference format: repository name must be lowercase/);
    assert.throws(() => normalizeRepoTag(`box@sha256:${'a'.repeat(64)}`), /refusing to create a tag with a digest reference/);
    assert.throws(() => normalizeRepoTag('box:'), /invalid reference format/);
  });
});

describe('bootstrapImage busybox', () => {
  it('hands over a one-layer Docker archive whose ID is the sha256 of its config, the same every time', async () => {
    const a = memoryLoader();
    const b = memoryLoader();
    const ra = await bootstrapImage('busybox', { loader: a });
    const rb = await bootstrapImage('busybox', { loader: b });
    assert.equal(ra.id, rb.id);
    assert.equal(sha(a.archive!), sha(b.archive!), 'the archive bytes are reproducible too');
    const files = await tarFiles(a.archive!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    assert.deepEqual(manifest[0].RepoTags, ['busybox:latest']);
    const configBytes = files.get(manifest[0].Config)!;
    assert.equal(sha(configBytes), ra.id);
    const config = JSON.parse(configBytes.toString());
    assert.deepEqual(config.config.Cmd, ['sh']);
    assert.deepEqual(config.config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(config.os, 'linux');
    assert.equal(config.architecture, process.arch === 'x64' ? 'amd64' : process.arch);
    const mtime = new Date(Math.floor((await fs.stat(DEFAULT_BUSYBOX)).mtimeMs / 1000) * 1000);
    assert.equal(config.created, mtime.toISOString().replace('.000Z', 'Z'));
    const layer = files.get(manifest[0].Layers[0])!;
    assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [sha(layer)] });
    assert.equal(ra.diffId, sha(layer));
    assert.equal(ra.size, layer.length);
  });

  it('takes a tag, and a different timestamp gives a different ID', async () => {
    const l = memoryLoader();
    const r = await bootstrapImage('busybox', { loader: l, tag: 'localhost:5000/tools/bb' });
    assert.equal(r.repoTag, 'localhost:5000/tools/bb:latest');
    const manifest = JSON.parse((await tarFiles(l.archive!)).get('manifest.json')!.toString());
    assert.deepEqual(manifest[0].RepoTags, ['localhost:5000/tools/bb:latest']);
    const other = await bootstrapImage('busybox', { loader: memoryLoader(), env: { SOURCE_DATE_EPOCH: '1' } });
    assert.notEqual(other.id, r.id);
  });

  it('writes a file that GNU tar lists (the -o path)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-bootstrap-'));
    try {
      const file = path.join(dir, 'busybox.tar');
      const r = await bootstrapImage('busybox', { loader: fileImageLoader(file) });
      const { stdout } = await runCommand('tar', ['-tf', file]);
      assert.deepEqual(stdout.trim().split('\n').sort(), [`${r.diffId.slice(7)}/`, `${r.diffId.slice(7)}/layer.tar`, `${r.id.slice(7)}.json`, 'manifest.json'].sort());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A stand-in for debootstrap (no network in unit tests): it makes a small tree the way the real
 * one does — including a /proc mount it leaves behind on failure and a Release file — so the
 * orchestration around it (progress, mount clean-up, packing, temp dir removal) runs for real.
 */
const FAKE_DEBOOTSTRAP = `#!/bin/sh
set -e
flags=""
while [ "\${1#--}" != "$1" ]; do flags="$flags $1"; shift; done
suite="$1"; target="$2"; mirror="$3"
echo "I: Retrieving InRelease"
mkdir -p "$target/bin" "$target/etc/apt" "$target/dev" "$target/proc" "$target/var/lib/apt/lists" "$target/var/log"
echo "\${flags# } $suite $mirror" > "$target/etc/args"
env | LC_ALL=C sort > "$target/etc/build-env"
printf 'Origin: Debian\\nVersion: 12.5\\nDate: Sat, 10 Feb 2024 10:42:00 UTC\\n' > "$target/var/lib/apt/lists/mirror_dists_\${suite}_Release"
printf 'root:*:%s:0:99999:7:::\\nnobody:*:19000:0:99999:7:::\\n' $(( $(date +%s) / 86400 )) > "$target/etc/shadow"
chmod 640 "$target/etc/shadow"
echo "#!/bin/sh" > "$target/bin/bash"; chmod 755 "$target/bin/bash"
mknod "$target/dev/null" c 1 3
echo log > "$target/var/log/dpkg.log"
mount -t tmpfs fakeproc "$target/proc"
echo "I: Base system installed successfully."
if [ "$suite" = sid ]; then echo "E: Couldn't download packages: libc6" >&2; exit 1; fi
umount "$target/proc"
`;

describe('bootstrapImage debian (with a stand-in debootstrap)', () => {
  let dir: string;
  let tmpDir: string;
  let opts: Parameters<typeof bootstrapImage>[1];
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-fakedbs-'));
    tmpDir = path.join(dir, 'tmp');
    await fs.mkdir(tmpDir);
    await fs.mkdir(path.join(dir, 'scripts'));
    for (const s of ['bookworm', 'sid']) await fs.writeFile(path.join(dir, 'scripts', s), '');
    await fs.mkdir(path.join(dir, 'apt'));
    await fs.writeFile(path.join(dir, 'apt/sources.list'), 'deb http://mirror.example/debian bookworm main\n');
    await fs.writeFile(path.join(dir, 'debootstrap'), FAKE_DEBOOTSTRAP, { mode: 0o755 });
    opts = { loader: memoryLoader(), tmpDir, etcApt: path.join(dir, 'apt'), debootstrap: path.join(dir, 'debootstrap'), debootstrapScripts: path.join(dir, 'scripts') };
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const mountsUnder = async (p: string) => (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(` ${p}/`)).length;

  it('runs debootstrap minbase against the configured mirror, packs, loads and cleans up', async () => {
    const lines: string[] = [];
    const loader = memoryLoader();
    const r = await bootstrapImage('debian:12', { ...opts, loader, progress: (l) => lines.push(l) });
    assert.equal(r.repoTag, 'debian:12');
    assert.ok(lines.includes('I: Retrieving InRelease'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('packing')));
    const files = await tarFiles(loader.archive!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    const config = JSON.parse(files.get(manifest[0].Config)!.toString());
    assert.deepEqual(config.config.Cmd, ['bash']);
    assert.equal(config.created, '2024-02-10T10:42:00Z', 'the archive Release date');
    const layer = await tarFiles(files.get(manifest[0].Layers[0])!);
    assert.equal(layer.get('etc/args')?.toString().trim(), '--variant=minbase bookworm http://mirror.example/debian');
    assert.ok(layer.has('bin/bash'));
    assert.ok(!layer.has('var/log/dpkg.log'));
    assert.ok(lines.includes('archive: bookworm 12.5, Release of 2024-02-10T10:42:00.000Z'), lines.join('\n'));
    // The password-change day pwconv stamps (today) is clamped to the Release day, as debuerreotype does.
    assert.equal(layer.get('etc/shadow')?.toString(), `root:*:${Math.floor(Date.parse('2024-02-10T10:42:00Z') / 86400000)}:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n`);
    assert.deepEqual(await fs.readdir(tmpDir), [], 'the work dir is removed');
  });

  it('runs debootstrap in a fixed environment, not the host user\'s', async () => {
    const loader = memoryLoader();
    const env = { ...process.env, LC_ALL: 'de_DE.UTF-8', TZ: 'Asia/Tokyo', WHARF_LEAK_CHECK: 'leaked', http_proxy: 'http://proxy.example:3128' };
    await bootstrapImage('debian:bookworm', { ...opts, loader, env });
    const files = await tarFiles(loader.archive!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    const buildEnv = (await tarFiles(files.get(manifest[0].Layers[0])!)).get('etc/build-env')!.toString().split('\n');
    for (const v of ['LC_ALL=C', 'LANG=C', 'TZ=UTC', 'HOME=/root', 'DEBIAN_FRONTEND=noninteractive', 'http_proxy=http://proxy.example:3128', `PATH=${process.env.PATH}`]) {
      assert.ok(buildEnv.includes(v), `${v} in ${buildEnv.join(' ')}`);
    }
    assert.ok(!buildEnv.some((l) => l.startsWith('WHARF_LEAK_CHECK=')), 'other host variables stay out');
  });

  it('passes --cache-dir to debootstrap as an absolute, existing directory, and gives the same image twice', async () => {
    const cacheDir = path.relative(process.cwd(), path.join(dir, 'debs'));
    const a = memoryLoader();
    const b = memoryLoader();
    const ra = await bootstrapImage('debian:bookworm', { ...opts, loader: a, cacheDir });
    const rb = await bootstrapImage('debian:bookworm', { ...opts, loader: b, cacheDir });
    assert.ok((await fs.stat(path.join(dir, 'debs'))).isDirectory());
    const files = await tarFiles(a.archive!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    const layer = await tarFiles(files.get(manifest[0].Layers[0])!);
    assert.equal(layer.get('etc/args')?.toString().trim(), `--variant=minbase --cache-dir=${path.join(dir, 'debs')} bookworm http://mirror.example/debian`);
    assert.equal(ra.id, rb.id, 'two bootstraps of the same archive state, a second apart, give one image ID');
    assert.equal(sha(a.archive!), sha(b.archive!));
  });

  it('reports a failing debootstrap with its output, unmounts what it left and removes the work dir', async () => {
    await assert.rejects(bootstrapImage('debian:sid', { ...opts, mirror: 'http://other.example/debian' }), (e) => {
      assert.ok(isKind(e, 'Internal'));
      assert.match((e as Error).message, /debootstrap failed \(exit 1\)/);
      assert.match((e as Error).message, /E: Couldn't download packages: libc6/);
      return true;
    });
    assert.equal(await mountsUnder(tmpDir), 0);
    assert.deepEqual(await fs.readdir(tmpDir), []);
  });

  it('says which suites debootstrap does not know', async () => {
    await assert.rejects(bootstrapImage('debian:trixie', opts), (e) => isKind(e, 'Unavailable') && /does not know the suite "trixie"/.test((e as Error).message));
  });

  it('refuses to run without root, saying why', async () => {
    // A child process as nobody: the check must come before anything is created.
    const script = `import { bootstrapImage } from ${JSON.stringify(path.resolve('src/services/bootstrap/bootstrap-image.ts'))};
      bootstrapImage('debian:bookworm', { loader: { load: async () => {} }, mirror: 'http://x/debian', tmpDir: '/tmp' })
        .then(() => console.log('no error'), (e) => console.log(e.kind, e.message, '|', e.hint));`;
    await fs.writeFile(path.join(dir, 'nonroot.mts'), script);
    await fs.chmod(dir, 0o755);
    const r = await runCommand('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', path.join(dir, 'nonroot.mts')], {
      check: false,
      env: { ...process.env, HOME: '/tmp', TSX_TSCONFIG_PATH: path.resolve('tsconfig.json') },
    });
    assert.match(r.stdout, /^Forbidden bootstrapping a Debian image needs root/, r.stderr);
    assert.match(r.stdout, /sudo wharf image bootstrap debian:bookworm/);
  });
});
