/**
 * Mounts in containers through the real docker CLI against a private wharfd: named volumes that
 * outlive their containers, `:ro` binds, tmpfs, copy-up from an image VOLUME, `--volumes-from`,
 * `rm -v`, a volume in use refusing removal, references surviving a daemon restart, cp/export
 * around volumes, inspect's Mounts in dockerd 20.10's shape, Docker's errors for bad input — and
 * nothing left mounted or half made afterwards.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, run, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, mountsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function fails(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr.trim();
}

const lines = (s: string) => s.split('\n').filter(Boolean);
const volumeNames = async (d: TestDaemon) => lines(await ok(d, ['volume', 'ls', '-q'])).sort();

async function inspectMounts(d: TestDaemon, name: string): Promise<Array<Record<string, unknown>>> {
  const mounts = JSON.parse(await ok(d, ['inspect', '--format', '{{json .Mounts}}', name])) as Array<Record<string, unknown>>;
  return mounts.sort((a, b) => String(a.Destination).localeCompare(String(b.Destination)));
}

describe('mounts in containers', () => {
  let d: TestDaemon;
  let tmp: string;
  before(async () => {
    d = await startDaemonWithBusybox({ load: false });
    await ok(d, ['load', '-i', await busyboxArchive()]);
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-mounts-'));
  });
  after(async () => {
    if (d) {
      try {
        const ids = lines((await d.docker(['ps', '-aq'])).stdout);
        if (ids.length) await d.docker(['rm', '-f', '-v', ...ids]);
        await d.docker(['volume', 'prune', '-f']);
        assert.deepEqual(await volumeNames(d), []);
        assert.deepEqual(await mountsOf(d), [], 'no mounts left under the data or exec root');
      } finally {
        await d.destroy();
      }
    }
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('keeps what a container writes to a named volume for the next one', async () => {
    await ok(d, ['run', '--rm', '--network', 'none', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', '-v', 'keep:/data:ro', 'busybox', 'cat', '/data/f']), 'kept\n');
    // `--rm` removes anonymous volumes only: the named one is still there.
    assert.ok((await volumeNames(d)).includes('keep'));
  });

  it('refuses writes through a :ro bind and creates a missing -v source', async () => {
    const src = path.join(tmp, 'ro');
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'f'), 'host\n');
    const r = await d.docker(['run', '--rm', '--network', 'none', '-v', `${src}:/h:ro`, 'busybox', 'sh', '-c', 'cat /h/f; echo x > /h/g']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, 'host\n');
    assert.match(r.stderr, /Read-only file system/);
    await assert.rejects(fs.access(path.join(src, 'g')));
    const missing = path.join(tmp, 'made', 'by', 'start');
    await ok(d, ['run', '--rm', '--network', 'none', '-v', `${missing}:/m`, 'busybox', 'sh', '-c', 'echo in > /m/f']);
    assert.equal(await fs.readFile(path.join(missing, 'f'), 'utf8'), 'in\n');
  });

  it('mounts a tmpfs of the given size', async () => {
    const out = await ok(d, [
      'run', '--rm', '--network', 'none', '--tmpfs', '/t1:size=1m', '--mount', 'type=tmpfs,dst=/t2,tmpfs-size=2097152,tmpfs-mode=1770',
      'busybox', 'sh', '-c', 'grep -E " /t[12] " /proc/mounts; stat -c %a /t2',
    ]);
    assert.match(out, /^tmpfs \/t1 tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0$/m);
    assert.match(out, /^tmpfs \/t2 tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1770 0 0$/m);
    assert.match(out, /^1770$/m);
    // A volume with driver options is mounted by the local driver for the run, and only for it.
    const opts = 'type=volume,src=tv,dst=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m';
    const inRun = await ok(d, ['run', '--rm', '--network', 'none', '--mount', opts, 'busybox', 'grep', ' /t ', '/proc/mounts']);
    assert.match(inRun, /^tmpfs \/t tmpfs rw,relatime,size=1024k 0 0$/m);
    assert.deepEqual(await mountsOf(d), []);
    await ok(d, ['volume', 'rm', 'tv']);
  });

  it("copies an image VOLUME's content into its new volume at create", async () => {
    // busybox plus /data/{file,link} owned 1234:5678 in a 0750 dir, imported with VOLUME /data.
    const root = path.join(tmp, 'img');
    await fs.mkdir(path.join(root, 'data'), { recursive: true });
    await fs.writeFile(path.join(root, 'data', 'file'), 'from image\n');
    await fs.symlink('file', path.join(root, 'data', 'link'));
    await fs.chown(path.join(root, 'data', 'file'), 1234, 5678);
    await fs.chmod(path.join(root, 'data'), 0o750);
    const tar = path.join(tmp, 'volimg.tar');
    const exp = await run('sh', ['-c', `${DOCKER} export "$(${DOCKER} create busybox)" > '${tar}'`], { env: d.env });
    assert.equal(exp.code, 0, exp.stderr);
    const add = await run('tar', ['-C', root, '-rf', tar, 'data']);
    assert.equal(add.code, 0, add.stderr);
    await ok(d, ['import', '--change', 'VOLUME /data', tar, 'volimg']);

    await ok(d, ['create', '--name', 'cu', '--network', 'none', 'volimg', 'sh', '-c', 'stat -c "%u:%g %a" /data /data/file; cat /data/link']);
    const [m] = await inspectMounts(d, 'cu');
    // Copied at create, before any start (moby populateVolumes).
    const data = String(m?.Source);
    assert.equal(await fs.readFile(path.join(data, 'file'), 'utf8'), 'from image\n');
    assert.equal(await ok(d, ['start', '-a', 'cu']), '0:0 750\n1234:5678 644\nfrom image\n');
    // A named volume that already has content is left as it is; nocopy gets nothing.
    await ok(d, ['run', '--rm', '--network', 'none', '-v', 'cuvol:/data', 'busybox', 'sh', '-c', 'echo mine > /data/own']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', '-v', 'cuvol:/data', 'volimg', 'ls', '/data']), 'own\n');
    const nocopy = ['run', '--rm', '--network', 'none', '--mount', 'type=volume,src=nc,dst=/data,volume-nocopy', 'volimg', 'ls', '-A', '/data'];
    assert.equal(await ok(d, nocopy), '');
    // rm -v removes the anonymous volume; named ones stay.
    const anon = String(m?.Name);
    await ok(d, ['rm', '-v', 'cu']);
    const left = await volumeNames(d);
    assert.ok(!left.includes(anon));
    assert.ok(left.includes('cuvol') && left.includes('nc'));
  });

  it("reports Mounts in dockerd's shape for each kind", async () => {
    const h = path.join(tmp, 'shape');
    await fs.mkdir(h);
    await ok(d, [
      'create', '--name', 'shape', '-v', `${h}:/a:ro`, '-v', 'named1:/b', '-v', '/c', '-v', `${h}:/d:rw,z,rshared`,
      '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', '--mount', 'type=volume,src=nv2,dst=/e,volume-nocopy,readonly',
      '--mount', `type=bind,src=${h},dst=/f,bind-propagation=rslave`, '--tmpfs', '/g:size=2m', 'busybox',
    ]);
    const got = await inspectMounts(d, 'shape');
    const anon = String(got.find((m) => m.Destination === '/c')?.Name);
    const vol = (name: string) => path.join(d.dataRoot, 'volumes', name, '_data');
    // Recorded from dockerd 20.10 for the same command (Go map order aside).
    assert.deepEqual(JSON.stringify(got), JSON.stringify([
      { Type: 'bind', Source: h, Destination: '/a', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'named1', Source: vol('named1'), Destination: '/b', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'volume', Name: anon, Source: vol(anon), Destination: '/c', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'bind', Source: h, Destination: '/d', Mode: 'rw,z,rshared', RW: true, Propagation: 'rshared' },
      { Type: 'volume', Name: 'nv2', Source: vol('nv2'), Destination: '/e', Driver: 'local', Mode: 'z', RW: false, Propagation: '' },
      { Type: 'bind', Source: h, Destination: '/f', Mode: '', RW: true, Propagation: 'rslave' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]));
    assert.deepEqual(lines(await ok(d, ['ps', '-a', '--filter', 'volume=nv2', '--format', '{{.Names}}'])), ['shape']);
    assert.deepEqual(lines(await ok(d, ['ps', '-a', '--filter', 'volume=/f', '--format', '{{.Names}}'])), ['shape']);
    assert.deepEqual(lines(await ok(d, ['ps', '-a', '--filter', 'volume=nosuch', '--format', '{{.Names}}'])), []);
    await ok(d, ['rm', '-v', 'shape']);
  });

  it('shares mounts with --volumes-from, read-only with :ro', async () => {
    await ok(d, ['create', '--name', 'vsrc', '-v', 'shared:/s', '-v', '/anon', 'busybox']);
    await ok(d, ['run', '--rm', '--network', 'none', '--volumes-from', 'vsrc', 'busybox', 'sh', '-c', 'echo via > /s/f; touch /anon/x']);
    const r = await d.docker(['run', '--rm', '--network', 'none', '--volumes-from', 'vsrc:ro', 'busybox', 'sh', '-c', 'cat /s/f; touch /s/g']);
    assert.equal(r.stdout, 'via\n');
    assert.match(r.stderr, /Read-only file system/);
    await ok(d, ['rm', '-v', 'vsrc']);
  });

  it('refuses to remove a volume in use (409), also after a daemon restart', async () => {
    await ok(d, ['create', '--name', 'user', '-v', 'busy:/b', 'busybox']);
    const msg = await fails(d, ['volume', 'rm', 'busy']);
    const id = (await ok(d, ['inspect', '--format', '{{.Id}}', 'user'])).trim();
    assert.equal(msg, `Error response from daemon: remove busy: volume is in use - [${id}]`);
    assert.equal(await d.stop(), 0);
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal(await fails(d, ['volume', 'rm', 'busy']), msg);
    await ok(d, ['rm', 'user']);
    // Survives its container's removal; removable once nobody uses it.
    assert.ok((await volumeNames(d)).includes('busy'));
    await ok(d, ['volume', 'rm', 'busy']);
  });

  it('copies into a volume with cp; export and commit leave volume content out', async () => {
    await ok(d, ['run', '--name', 'cpv', '--network', 'none', '-v', 'cpvol:/vol', 'busybox', 'sh', '-c', 'echo in-volume > /vol/a']);
    const f = path.join(tmp, 'ff');
    await fs.writeFile(f, 'from host\n');
    await ok(d, ['cp', f, 'cpv:/vol/ff']);
    assert.equal(await fs.readFile(path.join(d.dataRoot, 'volumes', 'cpvol', '_data', 'ff'), 'utf8'), 'from host\n');
    const listing = await run('sh', ['-c', `${DOCKER} export cpv | tar t`], { env: d.env });
    assert.equal(listing.code, 0, listing.stderr);
    assert.ok(lines(listing.stdout).includes('vol/'));
    assert.ok(!lines(listing.stdout).some((l) => l.startsWith('vol/a') || l.startsWith('vol/ff')));
    await ok(d, ['commit', 'cpv', 'cpvimg']);
    assert.equal(await ok(d, ['run', '--rm', '--network', 'none', 'cpvimg', 'ls', '-A', '/vol']), '');
    await ok(d, ['rm', 'cpv']);
    await ok(d, ['rmi', 'cpvimg']);
    // A container that never ran has no mount point yet: the cp still lands in the volume.
    await ok(d, ['create', '--name', 'cpn', '-v', 'cpnew:/newvol', 'busybox']);
    await ok(d, ['cp', f, 'cpn:/newvol/ff']);
    assert.equal(await fs.readFile(path.join(d.dataRoot, 'volumes', 'cpnew', '_data', 'ff'), 'utf8'), 'from host\n');
    await ok(d, ['rm', 'cpn']);
  });

  it('checks bind propagation against the source mount as dockerd does', async () => {
    // Two tmpfs of our own, one private and one shared, so the answer does not depend on the host.
    const priv = path.join(tmp, 'priv');
    const shared = path.join(tmp, 'shared');
    for (const [dir, how] of [
      [priv, '--make-private'],
      [shared, '--make-shared'],
    ] as const) {
      await fs.mkdir(dir);
      assert.equal((await run('mount', ['-t', 'tmpfs', 'tmpfs', dir])).code, 0);
      assert.equal((await run('mount', [how, dir])).code, 0);
    }
    try {
      const msg = await fails(d, ['run', '--rm', '--network', 'none', '-v', `${priv}:/p:rshared`, 'busybox', 'true']);
      assert.match(msg, new RegExp(`Error response from daemon: path ${priv} is mounted on ${priv} but it is not a shared mount`));
      const slave = await fails(d, ['run', '--rm', '--network', 'none', '-v', `${priv}:/p:rslave`, 'busybox', 'true']);
      assert.match(slave, /but it is not a shared or slave mount/);
      const out = await ok(d, ['run', '--rm', '--network', 'none', '-v', `${shared}:/s:rshared`, 'busybox', 'grep', ' /s ', '/proc/self/mountinfo']);
      assert.match(out, / shared:\d+/);
    } finally {
      for (const dir of [priv, shared]) await run('umount', [dir]);
    }
    // The failed starts left no container behind (`--rm`) and nothing mounted.
    assert.deepEqual(await mountsOf(d), []);
  });

  it('makes mount points inside the rootfs, never through an image symlink to the host', async () => {
    const hostSide = path.join(tmp, 'host-side');
    await fs.mkdir(hostSide);
    await ok(d, ['run', '--name', 'lnk', '--network', 'none', 'busybox', 'ln', '-s', hostSide, '/esc']);
    await ok(d, ['commit', 'lnk', 'lnkimg']);
    // /esc/sub resolves to <rootfs><hostSide>/sub: made in the container, not on the host.
    const out = await ok(d, ['run', '--rm', '--network', 'none', '-v', 'escv:/esc/sub', 'lnkimg', 'sh', '-c', `touch /esc/sub/f; ls ${hostSide}/sub`]);
    assert.equal(out, 'f\n');
    assert.deepEqual(await fs.readdir(hostSide), []);
    await ok(d, ['rm', 'lnk']);
    await ok(d, ['rmi', 'lnkimg']);
  });

  it("answers bad input with Docker's errors and leaves nothing half made", async () => {
    const before = await volumeNames(d);
    const containers = lines(await ok(d, ['ps', '-aq']));
    const e = (s: string) => `Error response from daemon: ${s}`;
    const cases: Array<[string[], string]> = [
      [['--mount', 'type=bind,src=rel,dst=/x'], e(`invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`)],
      [['--mount', 'type=bind,src=/nonexistent-wharf,dst=/x'], e('invalid mount config for type "bind": bind source path does not exist: /nonexistent-wharf')],
      [['-v', '/tmp:/x', '-v', '/var:/x'], e('Duplicate mount point: /x')],
      [['-v', '/tmp:/x:bogus'], e('invalid mode: bogus')],
      [['--volumes-from', 'nosuchcontainer'], e('No such container: nosuchcontainer')],
      // An anonymous volume made before the failure is removed again.
      [['-v', '/anon-first', '-v', '/tmp:/y', '-v', '/var:/y'], e('Duplicate mount point: /y')],
      [['-v', 'bad name!:/x'], e(`create bad name!: "bad name!" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`)],
    ];
    for (const [flags, want] of cases) assert.equal(await fails(d, ['create', ...flags, 'busybox']), want, flags.join(' '));
    assert.deepEqual(await volumeNames(d), before);
    assert.deepEqual(lines(await ok(d, ['ps', '-aq'])), containers);
    assert.deepEqual(await mountsOf(d), []);
  });
});
