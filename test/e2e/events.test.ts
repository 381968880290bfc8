/**
 * `docker events` through the real docker CLI against a private wharfd: a past window with
 * `--since/--until` and a container filter, a live stream that sees new events, filters by type
 * and event, and the wire format of each line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DOCKER, type TestDaemon } from '../helpers/wharfd.js';
import { busyboxArchive, cleanupFixture, eventually, removeAllContainers, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);

async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const unix = () => Math.floor(Date.now() / 1000);

describe('docker events', () => {
  let d: TestDaemon;
  let t0: number;
  let id: string;
  before(async () => {
    // Loaded here, not by the fixture: a failed load must still leave `d` for after() to destroy.
    d = await startDaemonWithBusybox({ load: false });
    await ok(d, ['load', '-i', await busyboxArchive()]);
    t0 = unix();
    id = await ok(d, ['run', '--name', 'ev1', 'busybox', 'true']);
    id = await ok(d, ['inspect', '-f', '{{.Id}}', 'ev1']);
    await ok(d, ['rm', 'ev1']);
    await ok(d, ['run', '-d', '--name', 'ev-other', 'busybox', 'true']);
  });
  after(async () => {
    if (!d) return;
    try {
      await removeAllContainers(d);
    } finally {
      await d.destroy();
    }
  });

  it('shows the past create/start/die/destroy of one container, filtered by name, and ends at --until', async () => {
    const out = await ok(d, ['events', '--since', String(t0), '--until', String(unix() + 1), '--filter', 'container=ev1', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}']);
    const lines = out.split('\n');
    assert.deepEqual(
      lines.filter((l) => !l.includes(' attach ')),
      ['create', 'start', 'die', 'destroy'].map((a) => `container ${a} ${id} ev1`),
    );
  });

  it('prints lines in the default format with the attributes dockerd gives', async () => {
    const out = await ok(d, ['events', '--since', String(t0), '--until', String(unix() + 1), '--filter', 'container=ev1', '--filter', 'event=die']);
    assert.match(out, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z container die ${id} \\(exitCode=0, image=busybox, name=ev1\\)$`));
  });

  it('filters by type and image', async () => {
    const types = (await ok(d, ['events', '--since', String(t0 - 3600), '--until', String(unix() + 1), '--filter', 'type=image', '--format', '{{.Type}}'])).split('\n');
    assert.ok(types.length > 0 && types.every((t) => t === 'image'), types.join(','));
    const byImage = (await ok(d, ['events', '--since', String(t0), '--until', String(unix() + 1), '--filter', 'image=busybox', '--format', '{{.Actor.Attributes.name}}'])).split('\n');
    assert.ok(byImage.includes('ev1') && byImage.includes('ev-other'));
  });

  it('streams live events as they happen', async () => {
    const child = spawn(DOCKER, ['events', '--filter', 'container=ev-live', '--format', '{{.Action}}'], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await eventually(() => out === '' && child.exitCode === null, 'the stream is open');
      await new Promise((r) => setTimeout(r, 300));
      await ok(d, ['run', '--rm', '--name', 'ev-live', 'busybox', 'true']);
      await eventually(() => out.includes('destroy'), 'the destroy event arrived', 10_000);
      assert.deepEqual(
        out
          .trim()
          .split('\n')
          .filter((a) => a !== 'attach'),
        ['create', 'start', 'die', 'destroy'],
      );
    } finally {
      child.kill();
    }
  });

  it('sends each event as one \\n-terminated line with the legacy fields first', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const q = new URLSearchParams({ since: String(t0), until: String(unix() + 1), filters: JSON.stringify({ container: { ev1: true }, event: { create: true } }) });
      http
        .get({ socketPath: d.socket, path: `/v1.41/events?${q}` }, (res) => {
          assert.equal(res.headers['content-type'], 'application/json');
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    assert.ok(raw.endsWith('}\n') && !raw.includes('\r'));
    const e = JSON.parse(raw);
    assert.deepEqual(Object.keys(e), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
    assert.equal(e.from, 'busybox');
    assert.equal(e.time, Math.floor(e.timeNano / 1e9));
  });

  it("refuses a window that ends before it starts, with dockerd's message", async () => {
    const r = await d.docker(['events', '--since', '20', '--until', '10']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /`since` time \(20\) cannot be after `until` time \(10\)/);
  });
});
