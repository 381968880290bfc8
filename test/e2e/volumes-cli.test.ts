/**
 * `wharf volume …` against the real docker CLI, both talking to one private wharfd: the same
 * output for create/ls/inspect/rm/prune and the same errors; dockerd's own messages for the same
 * mistakes (a private real dockerd as the oracle); volumes surviving a daemon restart and a
 * crash; and volumes used by containers: in use (409), data kept across containers, a tmpfs
 * volume really mounted while a container runs.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import type { TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, mountsOf, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';
import { ok } from './network.fixture.js';

after(cleanupFixture);

/** docker's stderr from our CLI: the program name is the only difference allowed. */
const asDocker = (s: string) => s.replace(/\bwharf\b/g, 'docker');

describe('wharf volume commands', () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await removeAllContainers(d);
    await d.docker(['volume', 'prune', '-f']);
    await d.destroy();
  });

  /** Runs the same arguments through both CLIs and asserts the same exit code and output. */
  async function same(args: string[], input?: string): Promise<string> {
    const [w, k] = [await d.wharf(args, { input }), await d.docker(args, { input })];
    assert.equal(w.code, k.code, `${args.join(' ')}: ${w.stderr} / ${k.stderr}`);
    assert.equal(w.stdout, k.stdout, args.join(' '));
    assert.equal(asDocker(w.stderr), k.stderr, args.join(' '));
    return w.stdout;
  }

  it('creates like docker and lists, filters and inspects the same', async () => {
    assert.equal(await ok(d, ['volume', 'create', 'v-plain']), 'v-plain');
    const r = await d.wharf(['volume', 'create', '--label', 'tier=db', '--label', 'empty', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'v-tmp']);
    assert.equal(r.stdout, 'v-tmp\n', r.stderr);
    const anon = (await d.wharf(['volume', 'create'])).stdout.trim();
    assert.match(anon, /^[0-9a-f]{64}$/);
    assert.equal((await d.wharf(['volume', 'create', 'v-plain'])).stdout, 'v-plain\n', 'an existing name is returned');
    await same(['volume', 'ls']);
    await same(['volume', 'ls', '-q']);
    // (v-tmp's two labels are left out of `Labels` columns: docker prints a Go map in random order.)
    await same(['volume', 'ls', '--format', 'json', '-f', 'name=v-plain']);
    await same(['volume', 'ls', '--format', 'raw']);
    await same(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}\t{{.Scope}}\t{{.Mountpoint}}\t{{.Links}}\t{{.Size}}']);
    await same(['volume', 'ls', '--format', '{{.Name}}:{{.Labels}}', '-f', 'name=plain']);
    await same(['volume', 'ls', '--format', '{{.Name}} {{.Label "tier"}}', '--filter', 'label=tier=db']);
    await same(['volume', 'ls', '-f', 'name=^v-', '-f', 'dangling=true']);
    await same(['volume', 'ls', '-f', 'driver=local', '-q']);
    await same(['volume', 'inspect', 'v-plain', 'v-tmp']);
    await same(['volume', 'inspect', '-f', '{{.Name}} {{.Labels}} {{.Options}} {{json .Labels}} {{.Mountpoint}}', 'v-plain', 'v-tmp']);
    await same(['volume', 'inspect', '-f', 'json', 'v-plain', 'nosuch']);
    await same(['volume', 'inspect', '-f', '{{.Nope}}', 'v-plain']);
    await same(['inspect', '--type', 'volume', 'v-tmp']);
    // A name-less create is not listed twice, and ls sorts naturally as docker does.
    assert.equal((await d.wharf(['volume', 'ls', '-q'])).stdout, `${anon}\nv-plain\nv-tmp\n`);
  });

  it("answers mistakes with docker's messages and exit codes", async () => {
    await same(['volume', 'create', 'x']);
    await same(['volume', 'create', '.hidden']);
    await same(['volume', 'create', '-o', 'foo=bar', 'v-bad']);
    await same(['volume', 'create', '-o', 'type=tmpfs', 'v-bad']);
    await same(['volume', 'create', '-o', 'size=10m', 'v-bad']);
    await same(['volume', 'create', '-d', 'nfsplug', 'v-bad']);
    await same(['volume', 'create', '--name', 'a1', 'a2']);
    await same(['volume', 'ls', '-f', 'dangling=maybe']);
    await same(['volume', 'ls', '-f', 'label!=x']);
    await same(['volume', 'inspect', 'nosuch']);
    await same(['volume', 'rm', 'nosuch']);
    await same(['volume', 'rm', '-f', 'nosuch']);
    await same(['volume', 'prune', '-a']);
    await same(['volume', 'prune', '-f', '--filter', 'until=1h']);
    assert.equal((await d.wharf(['volume', 'ls', '-q', '-f', 'name=v-bad'])).stdout, '', 'nothing half made');
  });

  it('removes and prunes like docker (API 1.41: named volumes too, not those with options)', async () => {
    await same(['volume', 'prune'], 'n\n');
    for (const cli of ['wharf', 'docker'] as const) {
      await ok(d, ['volume', 'create', '--label', 'p=1', 'p-one']);
      await ok(d, ['volume', 'create', 'p-two']);
      await fs.writeFile(path.join(d.dataRoot, 'volumes', 'p-two', '_data', 'f'), 'hello');
      const run = cli === 'wharf' ? d.wharf : d.docker;
      assert.equal((await run(['volume', 'prune', '-f', '--filter', 'label=p=1'])).stdout, 'Deleted Volumes:\np-one\n\nTotal reclaimed space: 0B\n');
      const all = await run(['volume', 'prune', '-f']);
      assert.match(all.stdout, /^Deleted Volumes:\n(.+\n)*p-two\n(.+\n)*\nTotal reclaimed space: 5B\n$/);
      assert.doesNotMatch(all.stdout, /v-tmp/, 'a volume with driver options is not pruned');
    }
    await same(['volume', 'prune', '-f']);
    // rm of one existing and one missing volume: the same through both CLIs (fresh each time).
    const [w, k] = [await d.wharf(['volume', 'rm', 'v-tmp', 'nosuch']), await ok(d, ['volume', 'create', 'v-tmp']).then(() => d.docker(['volume', 'rm', 'v-tmp', 'nosuch']))];
    assert.deepEqual({ ...w, stderr: asDocker(w.stderr) }, { code: k.code, stdout: k.stdout, stderr: k.stderr });
    assert.equal(w.stdout, 'v-tmp\n');
    assert.equal((await d.wharf(['volume', 'ls', '-q'])).stdout, '');
  });

  it('refuses to remove a volume a container uses (409), keeps its data for the next container', async () => {
    await ok(d, ['create', '--name', 'holder', '-v', 'inuse:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
    const id = await ok(d, ['inspect', '-f', '{{.Id}}', 'holder']);
    await same(['volume', 'rm', 'inuse']);
    const rm = await d.wharf(['volume', 'rm', '-f', 'inuse']);
    assert.equal(rm.stderr, `Error response from daemon: remove inuse: volume is in use - [${id}]\n`);
    await same(['volume', 'ls', '-f', 'dangling=false']);
    await ok(d, ['start', '-a', 'holder']);
    assert.equal(await ok(d, ['run', '--rm', '-v', 'inuse:/v', 'busybox', 'cat', '/v/f']), 'kept');
    const df = await same(['system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}']);
    assert.match(df, /^Local Volumes 1 1 5B 0B \(0%\)$/m, 'the referenced volume, its 5 bytes, nothing reclaimable');
    await ok(d, ['rm', 'holder']);
    assert.equal((await d.wharf(['volume', 'rm', 'inuse'])).stdout, 'inuse\n');
  });

  it('mounts a tmpfs volume while a container runs, and only then', async () => {
    await ok(d, ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'tmpvol']);
    const inside = await ok(d, ['run', '--rm', '-v', 'tmpvol:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts']);
    assert.match(inside, /^tmpfs \/t tmpfs rw,.*size=1024k/);
    const mp = path.join(d.dataRoot, 'volumes', 'tmpvol', '_data');
    assert.ok(!(await mountsOf(d)).includes(mp), 'unmounted once the container is gone');
    await ok(d, ['volume', 'rm', 'tmpvol']);
    // dockerd's events for that life: create (twice: the run references it by name), mount, unmount, destroy.
    const now = String(Math.ceil(Date.now() / 1000) + 1);
    const events = await ok(d, ['events', '--since', '0', '--until', now, '--filter', 'volume=tmpvol', '--format', '{{.Type}} {{.Action}} {{json .Actor.Attributes}}']);
    const cid = /"container":"([0-9a-f]{64})"/.exec(events)?.[1];
    assert.equal(
      events,
      [
        'volume create {"driver":"local"}',
        'volume create {"driver":"local"}',
        `volume mount {"container":"${cid}","destination":"/t","driver":"local","propagation":"","read/write":"true"}`,
        `volume unmount {"container":"${cid}","driver":"local"}`,
        'volume destroy {"driver":"local"}',
      ].join('\n'),
    );
  });
});

describe('volumes across daemon restarts', () => {
  let d: TestDaemon;
  after(async () => {
    await d?.destroy();
  });

  it('keeps volumes, labels, options and content after a clean stop and after a crash', async () => {
    d = await startDaemonWithBusybox({ load: false });
    await ok(d, ['volume', 'create', '--label', 'k=v', 'keep1']);
    await ok(d, ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'keep-tmp']);
    await fs.writeFile(path.join(d.dataRoot, 'volumes', 'keep1', '_data', 'data.txt'), 'persisted');
    const before = await ok(d, ['volume', 'inspect', 'keep1', 'keep-tmp']);
    await d.stop();
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal(await ok(d, ['volume', 'inspect', 'keep1', 'keep-tmp']), before);
    await d.kill();
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.equal(await ok(d, ['volume', 'inspect', 'keep1', 'keep-tmp']), before);
    assert.equal(await fs.readFile(path.join(d.dataRoot, 'volumes', 'keep1', '_data', 'data.txt'), 'utf8'), 'persisted');
    assert.equal((await d.wharf(['volume', 'rm', 'keep1', 'keep-tmp'])).stdout, 'keep1\nkeep-tmp\n');
  });

  it('keeps a running container’s tmpfs volume mounted and in use across a restart; its stop unmounts it', async () => {
    await d?.destroy();
    d = await startDaemonWithBusybox();
    await ok(d, ['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'live-tmp']);
    await ok(d, ['run', '-d', '--name', 'live', '-v', 'live-tmp:/t', 'busybox', 'sh', '-c', 'echo x > /t/f; sleep 1000']);
    const mp = path.join(d.dataRoot, 'volumes', 'live-tmp', '_data');
    assert.ok((await mountsOf(d)).includes(mp));
    await d.stop();
    d = await startDaemonWithBusybox({ dir: d.dir, load: false });
    assert.ok((await mountsOf(d)).includes(mp), 'still mounted for the running container');
    assert.equal(await fs.readFile(path.join(mp, 'f'), 'utf8'), 'x\n');
    assert.match((await d.wharf(['volume', 'rm', 'live-tmp'])).stderr, /^Error response from daemon: remove live-tmp: volume is in use - \[[0-9a-f]{64}\]\n$/);
    await ok(d, ['stop', '-t', '0', 'live']);
    assert.ok(!(await mountsOf(d)).includes(mp), 'the restored holder’s stop unmounts it');
    await ok(d, ['rm', 'live']);
    await ok(d, ['volume', 'rm', 'live-tmp']);
  });
});

describe('volume errors as the real dockerd words them', () => {
  let d: TestDaemon;
  let rd: RealDockerd;
  before(async () => {
    [d, rd] = await Promise.all([startDaemonWithBusybox({ load: false }), startRealDockerd()]);
  });
  after(async () => {
    await Promise.all([d.destroy(), rd.stop()]);
  });

  it('gives the same stderr and exit code for the same mistakes', async () => {
    const cases = [
      ['volume', 'create', 'x'],
      ['volume', 'create', 'a/b'],
      ['volume', 'create', '-o', 'foo=bar', 'oops'],
      ['volume', 'create', '-o', 'device=tmpfs', 'oops'],
      ['volume', 'create', '-o', 'size=1g', 'oops'],
      ['volume', 'create', '-d', 'nfsplug', 'oops'],
      ['volume', 'inspect', 'nosuch'],
      ['volume', 'rm', 'nosuch'],
      ['volume', 'rm', '-f', 'nosuch'],
      ['volume', 'ls', '-f', 'dangling=maybe'],
      ['volume', 'ls', '-f', 'bogus=1'],
      ['volume', 'prune', '-f', '--filter', 'name=x'],
      ['volume', 'prune', '-a', '-f'],
    ];
    for (const args of cases) {
      const [w, k] = [await d.wharf(args), await rd.docker(args)];
      assert.equal(w.code, k.code, args.join(' '));
      assert.equal(w.stdout, k.stdout, args.join(' '));
      assert.equal(asDocker(w.stderr), k.stderr, args.join(' '));
    }
  });

  it('answers the wire as dockerd does: statuses, nulls and field order', async () => {
    const call = async (socket: string, method: string, p: string, body?: string) => {
      const http = await import('node:http');
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ socketPath: socket, method, path: `/v1.41${p}`, headers: body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    /** The response with the daemon-specific parts (paths, times) masked. */
    const norm = (r: { status: number; body: string }, root: string) => ({
      status: r.status,
      body: r.body.split(root).join('<root>').replace(/"CreatedAt":"[^"]+"/g, '"CreatedAt":"<t>"'),
    });
    const requests: Array<[string, string, string?]> = [
      ['POST', '/volumes/create', '{"Name":"wire1","Labels":{"a":"b"},"DriverOpts":{}}'],
      ['POST', '/volumes/create', '{"Name":"wire2","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m"}}'],
      ['POST', '/volumes/create', ''],
      ['POST', '/volumes/create', '{"Name":"z"}'],
      ['GET', '/volumes/wire1'],
      ['GET', '/volumes?filters=%7B%22name%22%3A%5B%22wire1%22%5D%7D'],
      ['GET', '/volumes/nosuch'],
      ['DELETE', '/volumes/nosuch?force=1'],
      ['POST', '/volumes/prune?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D'],
      ['DELETE', '/volumes/wire2'],
      ['DELETE', '/volumes/wire2'],
    ];
    for (const [method, p, body] of requests) {
      const w = norm(await call(d.socket, method, p, body), d.dataRoot);
      const k = norm(await call(rd.socketPath, method, p, body), path.join(rd.dir, 'root'));
      assert.deepEqual(w, k, `${method} ${p} ${body ?? ''}`);
    }
  });
});
