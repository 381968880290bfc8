/**
 * The same `cp`, `diff`, `top`, `stats`, `commit` and `events` session against a private real
 * dockerd (20.10) and a private wharfd, comparing what the CLI and the API give back: path stats,
 * archive entry names, change lists, titles, document shapes, history, event sequences and error
 * messages. Values that differ by nature (ids, times, sizes of directories) are left out.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { DOCKER, run, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

interface Engine {
  name: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  t0: number;
  id: string;
}

async function docker(e: Engine, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(DOCKER, args, { env: e.env });
}

async function ok(e: Engine, args: string[]): Promise<string> {
  const r = await docker(e, args);
  assert.equal(r.code, 0, `${e.name}: docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function request(e: Engine, method: string, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: e.socket, method, path: p }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Names, types and modes of the entries of `docker cp CTR:p -` (GNU tar's view). */
async function cpListing(e: Engine, p: string, tmp: string): Promise<string[]> {
  const file = path.join(tmp, `${e.name}.tar`);
  const r = await run('sh', ['-c', `'${DOCKER}' cp 'cmp:${p}' - > '${file}'`], { env: e.env });
  assert.equal(r.code, 0, r.stderr);
  const t = await run('tar', ['tvf', file, '--numeric-owner']);
  return t.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return `${f[0]} ${f[1]} ${f.slice(5).join(' ')}`;
    });
}

describe('cp, diff, top, stats, commit and events: wharfd against dockerd', () => {
  let real: RealDockerd;
  let wharf: TestDaemon;
  let engines: Engine[];
  let tmp: string;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-fs-cmp-'));
    // Both kept as soon as they run, so that after() stops whichever started when the other failed.
    const [r, w] = await Promise.allSettled([startRealDockerd(), startDaemonWithBusybox({ load: false })]);
    if (r.status === 'fulfilled') real = r.value;
    if (w.status === 'fulfilled') wharf = w.value;
    if (r.status === 'rejected') throw r.reason;
    if (w.status === 'rejected') throw w.reason;
    for (const load of [real.docker(['load', '-i', await busyboxArchive()]), wharf.docker(['load', '-i', await busyboxArchive()])]) {
      const res = await load;
      assert.equal(res.code, 0, res.stderr);
    }
    engines = [
      { name: 'dockerd', socket: real.socketPath, env: real.env, t0: 0, id: '' },
      { name: 'wharfd', socket: wharf.socket, env: wharf.env, t0: 0, id: '' },
    ];
    for (const e of engines) {
      e.t0 = Math.floor(Date.now() / 1000);
      e.id = (await ok(e, ['run', '-d', '--name', 'cmp', '--network', 'none', 'busybox', 'sleep', '1000'])).trim();
      await ok(e, ['exec', 'cmp', 'sh', '-c', 'ln -s / /escape; echo hi > /tmp/x; rm /bin/vi; echo x >> /etc/passwd; mkdir -p /n/s; touch /n/s/f']);
      await ok(e, ['create', '--name', 'cmp-created', 'busybox', 'true']);
    }
  });

  after(async () => {
    try {
      for (const e of engines ?? []) {
        const ids = (await docker(e, ['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (ids.length) await docker(e, ['rm', '-f', ...ids]);
      }
    } finally {
      await Promise.all([real?.stop(), wharf?.destroy()]);
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  /** Runs `f` on both engines and asserts the results are equal. */
  async function same<T>(what: string, f: (e: Engine) => Promise<T>): Promise<T> {
    const [a, b] = [await f(engines[0]!), await f(engines[1]!)];
    assert.deepEqual(b, a, `${what}: wharfd (actual) differs from dockerd (expected)`);
    return a;
  }

  it('diff', async () => {
    // As a set: dockerd on this kernel uses its "naive" diff (overlay redirect_dir is enabled),
    // which lists sibling entries in Go's random map order; wharfd lists them in byte order.
    await same('docker diff', async (e) => (await ok(e, ['diff', 'cmp'])).trim().split('\n').sort());
  });

  it('path stats of HEAD /archive (name, mode, link target; sizes of files and links)', async () => {
    for (const p of ['/escape', '/escape/', '/tmp/.', '/tmp/', '/', '/bin/sh', '/etc/../..', '/etc/passwd', '/n/s/f', '/nosuch']) {
      await same(`stat ${p}`, async (e) => {
        const r = await request(e, 'HEAD', `/v1.41/containers/cmp/archive?path=${encodeURIComponent(p)}`);
        const raw = r.headers['x-docker-container-path-stat'];
        if (typeof raw !== 'string') return { status: r.status };
        const s = JSON.parse(Buffer.from(raw, 'base64').toString());
        return { status: r.status, name: s.name, mode: s.mode, linkTarget: s.linkTarget, size: s.mode >= 2 ** 31 ? 'dir' : s.size };
      });
    }
  });

  it('archive entry names, types and modes of docker cp', async () => {
    for (const p of ['/tmp/.', '/escape', '/n', '/n/s/f', '/etc/passwd']) await same(`cp ${p}`, (e) => cpListing(e, p, tmp));
  });

  it('the errors of cp and top', async () => {
    await same('cp of a missing path', async (e) => (await docker(e, ['cp', 'cmp:/nosuch', '-'])).stderr);
    await same('archive without path', async (e) => (await request(e, 'GET', '/v1.41/containers/cmp/archive')).body);
    await same('top of a created container', async (e) => (await docker(e, ['top', 'cmp-created'])).stderr.replace(/[0-9a-f]{64}/, 'ID'));
    await same('top with a bad ps option', async (e) => (await request(e, 'GET', '/v1.41/containers/cmp/top?ps_args=-o%20badcol')).body);
  });

  it("the init layer: /.dockerenv, /etc/mtab and the mount targets, as dockerd's", async () => {
    const paths = '/.dockerenv /etc/mtab /etc /dev/pts /dev/shm /proc /sys';
    await same('init layer paths', (e) => ok(e, ['exec', 'cmp', 'sh', '-c', `stat -c '%n %F %a %u:%g %s' ${paths}; readlink /etc/mtab`]));
    // A stopped container's filesystem (cp reads a mount of its snapshot) has them too.
    await same('init layer paths, stopped', async (e) => {
      const ls = await ok(e, ['cp', 'cmp-created:/.dockerenv', '-']);
      return ls.length > 0;
    });
    // export is the container's own filesystem: the init layer's empty /etc files, not the
    // daemon's binds (a running container, and a created one).
    for (const ctr of ['cmp', 'cmp-created']) {
      await same(`export of ${ctr}`, async (e) => {
        const file = path.join(tmp, `${e.name}-export.tar`);
        const r = await run('sh', ['-c', `'${DOCKER}' export ${ctr} > '${file}'`], { env: e.env });
        assert.equal(r.code, 0, r.stderr);
        const t = await run('tar', ['tvf', file, '--numeric-owner']);
        const wanted = new Set(['.dockerenv', 'dev/console', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab', 'etc/passwd']);
        return t.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/))
          .filter((f) => wanted.has(f[5] ?? ''))
          .map((f) => `${f[0]} ${f[1]} ${f[2]} ${f.slice(5).join(' ')}`);
      });
    }
    // Its rw layer stays empty: what the runtime needs as mount targets is already there.
    await same('diff of a run', async (e) => {
      await ok(e, ['run', '--name', 'cmp-ran', '--network', 'none', 'busybox', 'true']);
      return ok(e, ['diff', 'cmp-ran']);
    });
  });

  it('top titles and commands', async () => {
    await same('docker top', async (e) => {
      const top = JSON.parse((await request(e, 'GET', '/v1.41/containers/cmp/top')).body);
      return { Titles: top.Titles, cmds: top.Processes.map((p: string[]) => p.at(-1)) };
    });
    await same('docker top aux titles', async (e) => JSON.parse((await request(e, 'GET', '/v1.41/containers/cmp/top?ps_args=aux')).body).Titles);
  });

  it('the stats document: keys at every level, and the zeroed one of a stopped container', async () => {
    const keysOf = (v: unknown, at = ''): string[] =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).flatMap(([k, x]) => [`${at}${k}`, ...keysOf(x, `${at}${k}.`)]) : [];
    await same('stats stream=0 keys', async (e) => keysOf(JSON.parse((await request(e, 'GET', '/v1.41/containers/cmp/stats?stream=0')).body)).filter((k) => !k.startsWith('networks')));
    await same('stats of a created container', async (e) => {
      const s = JSON.parse((await request(e, 'GET', '/v1.41/containers/cmp-created/stats?stream=0')).body);
      return { ...s, id: 'ID' };
    });
  });

  it('commit: history, author, comment and config', async () => {
    for (const e of engines) await ok(e, ['commit', '-c', 'CMD ["x"]', '-c', 'ENV A=1', '-m', 'msg', '-a', 'me', 'cmp', 'cmp-img:1']);
    await same('history', (e) => ok(e, ['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'cmp-img:1']));
    await same('inspect', async (e) => {
      const out = await ok(e, ['image', 'inspect', '-f', '{{.Author}}|{{.Comment}}|{{json .Config}}|{{json .ContainerConfig}}|{{len .RootFS.Layers}}|{{.Parent}}', 'cmp-img:1']);
      return out.replaceAll(e.id.slice(0, 12), 'HOST');
    });
    await same('the committed files', (e) => ok(e, ['run', '--rm', 'cmp-img:1', 'sh', '-c', 'cat /tmp/x; ls /bin/vi 2>&1; tail -1 /etc/passwd; readlink /escape']));
  });

  it('events of these endpoints, in order', async () => {
    const mine = new Set(['archive-path', 'extract-to-dir', 'export', 'top', 'commit', 'pause', 'unpause', 'create', 'start']);
    await same('events', async (e) => {
      // `--until 0s` would be this second, cutting events of the last instants: wait for the next.
      const until = String(Math.floor(Date.now() / 1000) + 1);
      const out = await ok(e, ['events', '--since', String(e.t0), '--until', until, '--filter', 'container=cmp', '--format', '{{.Action}}']);
      return out
        .trim()
        .split('\n')
        .filter((a) => mine.has(a));
    });
  });
});
