/**
 * `wharf image bootstrap debian:bookworm` for real: the real debootstrap against the Debian
 * mirror, through the real CLI, the image then loaded and run in wharfd and in a real dockerd.
 *
 * Why this shape. A bootstrap takes 50–90 s here and the suite must stay under ~20 minutes on 2
 * cores, so the test bootstraps once per run — not twice to compare — and checks
 * reproducibility in the two ways that need no second bootstrap:
 * - Within the run: both daemons load the archive and report the ID the CLI printed, which is
 *   the sha256 of the config; the config's `created` is the archive's Release date, not today.
 * - Across runs: a known cache dir (WHARF_TEST_CACHE, default /var/cache/wharf-test) records the
 *   ID per archive state — suite, mirror, Release date, debootstrap version, architecture and a
 *   hash of the code that decides the image's bytes (so a deliberate change to what goes into
 *   the image starts a new record instead of failing). A later run against the same state must print the same ID, so
 *   every run after the first on a machine is a second, independent bootstrap compared with the
 *   first, days apart (that is what /etc/shadow's clamp is for). The first run on a fresh
 *   machine only records, and says so.
 * The same dir keeps the downloaded .debs (`--cache-dir`), so later runs do not fetch ~30 MB
 * again; debootstrap checks every cached .deb against the archive's checksums, so the cache
 * changes the download time, never the image (the user's path, without it, gives the same ID:
 * scripts/debian-repro.sh runs two such bootstraps back to back; its result is in
 * docs/base-images.md).
 *
 * Skips, saying why, when not root, without debootstrap, or when the mirror does not answer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { atomicWriteJSON, readJSONIfExists } from '../../src/lib/atomic-write.js';
import { debianMirror, readAptSources } from '../../src/services/bootstrap/apt-sources.js';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { entry, REPO, run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

const SUITE = 'bookworm';
const CACHE = process.env.WHARF_TEST_CACHE || '/var/cache/wharf-test';
const ID_RE = /^sha256:[a-f0-9]{64}$/;

/** Why this machine cannot run the test, or undefined when it can. */
async function skipReason(mirror: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'bootstrapping Debian needs root (debootstrap chroots)';
  const dbs = await run('sh', ['-c', 'command -v debootstrap']);
  if (dbs.code !== 0) return 'debootstrap is not installed (apt-get install debootstrap)';
  try {
    const res = await fetch(`${mirror}/dists/${SUITE}/InRelease`, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    if (!res.ok) return `the Debian mirror ${mirror} answers ${res.status} for ${SUITE}'s InRelease`;
  } catch (err) {
    return `the Debian mirror ${mirror} is unreachable (${(err as Error).message})`;
  }
  return undefined;
}

/** sha256 of the code that decides the image's bytes (the bootstrap service, the tar writer): part of the record key, see the header. */
async function bootstrapCodeHash(): Promise<string> {
  const service = 'src/services/bootstrap';
  const files = (await fs.readdir(path.join(REPO, service))).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).map((n) => `${service}/${n}`);
  const h = createHash('sha256');
  for (const f of [...files.sort(), 'src/lib/tar/tar-writer.ts', 'src/lib/tar/pax.ts', 'src/lib/tar/xattr-tree.ts']) {
    h.update(`${f}\0`).update(await fs.readFile(path.join(REPO, f)));
  }
  return h.digest('hex').slice(0, 16);
}

/** Reads one member of a tar file (GNU tar). */
async function tarMember(file: string, member: string): Promise<string> {
  const r = await run('tar', ['-xOf', file, member]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

const mirror = debianMirror(await readAptSources());
const skip = await skipReason(mirror);

describe(`wharf image bootstrap debian:${SUITE} (real debootstrap)`, { skip }, () => {
  let d: TestDaemon;
  let real: RealDockerd;
  let dir: string;
  let archive: string;
  let boot: { code: number; stdout: string; stderr: string };
  let id: string;
  let config: { created: string; architecture: string; config: { Cmd: string[]; Env: string[] }; rootfs: { diff_ids: string[] } };

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-bootdeb-'));
    archive = path.join(dir, 'debian.tar');
    const started = Date.now();
    // The daemons start while debootstrap runs; the CLI with -o needs neither.
    const daemons = Promise.all([startDaemonWithBusybox({ load: false }), startRealDockerd()]);
    boot = await run(process.execPath, [...entry('wharf'), 'image', 'bootstrap', `debian:${SUITE}`, '--cache-dir', path.join(CACHE, 'debs'), '-o', archive]);
    process.stderr.write(`bootstrap debian:${SUITE} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    [d, real] = await daemons;
    id = boot.stdout.trim();
  });
  after(async () => {
    await Promise.allSettled([d?.destroy(), real?.stop()]);
    await fs.rm(dir, { recursive: true, force: true });
    await cleanupFixture();
  });

  it('prints the ID of a one-layer archive whose config is stamped with the Release date', async () => {
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(id, ID_RE);
    assert.match(boot.stderr, /I: Base system installed successfully/);
    const manifest = JSON.parse(await tarMember(archive, 'manifest.json'));
    assert.deepEqual(manifest[0].RepoTags, [`debian:${SUITE}`]);
    const configText = await tarMember(archive, manifest[0].Config);
    assert.equal(`sha256:${createHash('sha256').update(configText).digest('hex')}`, id);
    config = JSON.parse(configText);
    assert.deepEqual(config.config.Cmd, ['bash']);
    assert.equal(config.rootfs.diff_ids.length, 1);
    const release = /archive: .*Release of (\S+)/.exec(boot.stderr);
    assert.ok(release, boot.stderr);
    assert.equal(config.created, release[1]!.replace('.000Z', 'Z'), 'created is the Release date');
  });

  it('is the same image as the last run against the same archive state (the cross-run record)', async (t) => {
    assert.ok(config, 'needs the bootstrap');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not JavaScript's
    const dbs = await run('dpkg-query', ['-W', '-f', '${Version}', 'debootstrap']);
    const key = [SUITE, mirror, config.created, `debootstrap ${dbs.stdout}`, config.architecture, `code ${await bootstrapCodeHash()}`].join(' | ');
    const file = path.join(CACHE, 'debian-ids.json');
    const record = (await readJSONIfExists<Record<string, string>>(file)) ?? {};
    if (record[key] === undefined) {
      t.diagnostic(`first bootstrap of this archive state on this machine: recorded ${id} for "${key}"`);
      await fs.mkdir(CACHE, { recursive: true });
      await atomicWriteJSON(file, { ...record, [key]: id });
      return;
    }
    t.diagnostic(`compared with the ID recorded by an earlier run for "${key}"`);
    assert.equal(id, record[key], 'the same archive state bootstrapped again gives the same image ID');
  });

  it('loads into wharfd with that ID and runs apt-get, with what is left out left out', async () => {
    assert.equal(boot.code, 0, boot.stderr);
    const load = await d.docker(['load', '-i', archive]);
    assert.equal(load.code, 0, load.stderr);
    assert.equal((await d.docker(['image', 'inspect', '-f', '{{.Id}}', `debian:${SUITE}`])).stdout.trim(), id);
    const script = [
      'apt-get --version | head -1',
      'cut -d. -f1 /etc/debian_version',
      'cut -d: -f3 /etc/shadow /etc/shadow- | sort -u | tr "\\n" " "; echo',
      'ls -A /var/lib/apt/lists /var/cache/apt/archives | tr "\\n" " "; echo',
      'find /var/log -name "*.log" | wc -l',
    ].join('; ');
    const r = await d.docker(['run', '--rm', '--network', 'none', `debian:${SUITE}`, 'bash', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    const [apt, major, shadowDays, aptCaches, logs] = r.stdout.split('\n');
    assert.match(apt!, /^apt 2\.\d+/);
    assert.equal(major, '12');
    // The password-change day is the Release day (clamped), so nothing says which day it was built.
    assert.equal(shadowDays, `${Math.floor(Date.parse(config.created) / 86_400_000)} `);
    assert.equal(aptCaches, '/var/cache/apt/archives: partial  /var/lib/apt/lists: partial ', 'apt lists and .debs left out, their dirs kept');
    assert.equal(logs, '0', 'no build logs');
  });

  it('loads into a real dockerd with the same ID and runs there', async () => {
    assert.equal(boot.code, 0, boot.stderr);
    const load = await real.docker(['load', '-i', archive]);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, new RegExp(`Loaded image: debian:${SUITE}`));
    assert.equal((await real.docker(['image', 'inspect', '-f', '{{.Id}}', `debian:${SUITE}`])).stdout.trim(), id);
    const r = await real.docker(['run', '--rm', '--network', 'none', `debian:${SUITE}`, 'bash', '-c', 'apt-get --version | head -1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^apt 2\.\d+/);
  });
});
