/**
 * Push and pull between wharfd (driven by the real docker CLI and by ours) and Debian's
 * docker-registry on 127.0.0.1, without auth; and interop with real dockerd through the same
 * registry (Go's gzip reader on our multi-member layers, our pull of Docker's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Digest, sha256, shortId } from '../../src/lib/digest.js';
import { type RealDockerd, startRealDockerd } from '../helpers/real-dockerd.js';
import { startWharfd, type TestDaemon } from '../helpers/wharfd.js';
import { completedUploads, layeredImage, loadImages, type RegistryProcess, startRegistry, type TestImage } from './distribution-fixtures.js';
import { columns, lines } from './images-fixtures.js';

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

async function registryManifest(reg: RegistryProcess, repo: string, ref: string): Promise<{ digest: Digest; doc: { mediaType: string; layers: Array<{ digest: Digest }> } }> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_V2 } });
  assert.equal(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { digest: sha256(bytes), doc: JSON.parse(bytes.toString()) };
}

describe('docker push/pull through wharfd and docker-registry', () => {
  let w: TestDaemon;
  let reg: RegistryProcess;
  let imgA: TestImage;
  let imgB: TestImage;
  let host: string;
  let digestA: Digest;

  before(async () => {
    [w, reg] = await Promise.all([startWharfd(), startRegistry('docker-registry')]);
    host = reg.host;
    imgA = await layeredImage([{ file: 'a.txt', size: 3000 }], { which: 'a' });
    imgB = await layeredImage([{ file: 'b.txt', size: 5000 }], { which: 'b' });
    await loadImages(w, [
      { image: imgA, tags: [`${host}/spy/built:1`] },
      { image: imgB, tags: [`${host}/spy/other:1`] },
    ]);
  });
  after(async () => {
    await Promise.all([w?.destroy(), reg?.destroy()]);
  });

  it('docker push uploads every layer and the config, with Docker’s progress lines', async () => {
    const r = await w.docker(['push', `${host}/spy/built:1`]);
    assert.equal(r.code, 0, r.stderr + w.logs());
    const out = lines(r.stdout);
    const [top, base] = [shortId(imgA.diffIDs[1]!), shortId(imgA.diffIDs[0]!)];
    assert.deepEqual(out.slice(0, 3), [`The push refers to repository [${host}/spy/built]`, `${top}: Preparing`, `${base}: Preparing`]);
    assert.deepEqual(out.slice(3, 5).sort(), [`${base}: Pushed`, `${top}: Pushed`].sort());
    const m = await registryManifest(reg, 'spy/built', '1');
    digestA = m.digest;
    assert.equal(out[5], `1: digest: ${m.digest} size: ${JSON.stringify(m.doc, null, 3).length}`);
    assert.equal(m.doc.mediaType, MANIFEST_V2);
    assert.equal(completedUploads(reg.log(), 'spy/built'), 3, 'two layers and the config');
  });

  it('a second push of an image sharing a layer uploads only the new layer (and mounts the shared one)', async () => {
    const before = completedUploads(reg.log());
    const r = await w.docker(['push', `${host}/spy/other:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`${shortId(imgB.diffIDs[0]!)}: Mounted from spy/built`), r.stdout);
    assert.ok(r.stdout.includes(`${shortId(imgB.diffIDs[1]!)}: Pushed`), r.stdout);
    assert.equal(completedUploads(reg.log()) - before, 2, 'the new layer and the config');
    const again = await w.docker(['push', `${host}/spy/built:1`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(lines(again.stdout).filter((l) => l.endsWith(': Layer already exists')).length, 2);
    assert.equal(completedUploads(reg.log()) - before, 2, 'nothing uploaded again');
  });

  it('images --digests and inspect show the RepoDigest after a push', async () => {
    const rows = lines((await w.docker(['images', '--digests', `${host}/spy/built`])).stdout);
    assert.deepEqual(columns(rows[1]!).slice(0, 3), [`${host}/spy/built`, '1', digestA]);
    const rd = await w.docker(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${host}/spy/built:1`]);
    assert.deepEqual(JSON.parse(rd.stdout), [`${host}/spy/built@${digestA}`]);
  });

  it('docker pull after rmi downloads only the missing layer and restores the same image', async () => {
    assert.equal((await w.docker(['rmi', `${host}/spy/built:1`])).code, 0);
    const m = await registryManifest(reg, 'spy/built', '1');
    const [base, top] = m.doc.layers.map((l) => shortId(l.digest));
    const r = await w.docker(['pull', `${host}/spy/built:1`]);
    assert.equal(r.code, 0, r.stderr + w.logs());
    assert.deepEqual(lines(r.stdout), [
      '1: Pulling from spy/built',
      `${base}: Already exists`,
      `${top}: Pulling fs layer`,
      `${top}: Verifying Checksum`,
      `${top}: Download complete`,
      `${top}: Pull complete`,
      `Digest: ${m.digest}`,
      `Status: Downloaded newer image for ${host}/spy/built:1`,
      `${host}/spy/built:1`,
    ]);
    const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}} {{json .RootFS.Layers}} {{json .RepoDigests}}', `${host}/spy/built:1`]);
    assert.equal(inspect.stdout.trim(), `${imgA.id} ${JSON.stringify(imgA.diffIDs)} ${JSON.stringify([`${host}/spy/built@${m.digest}`])}`);
    const again = await w.docker(['pull', `${host}/spy/built:1`]);
    assert.deepEqual(lines(again.stdout).slice(-2), [`Status: Image is up to date for ${host}/spy/built:1`, `${host}/spy/built:1`]);
  });

  it('wharf pull prints what docker pull prints', async () => {
    await w.docker(['rmi', `${host}/spy/other:1`]);
    const ours = await w.wharf(['pull', `${host}/spy/other:1`]);
    assert.equal(ours.code, 0, ours.stderr);
    await w.docker(['rmi', `${host}/spy/other:1`]);
    const docker = await w.docker(['pull', `${host}/spy/other:1`]);
    assert.equal(ours.stdout, docker.stdout);
  });

  it('pulls by digest: the image gets the RepoDigest and no tag', async () => {
    const m = await registryManifest(reg, 'spy/built', '1');
    assert.equal((await w.docker(['rmi', `${host}/spy/built:1`])).code, 0);
    const r = await w.docker(['pull', `${host}/spy/built@${m.digest}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout)[0], `${m.digest}: Pulling from spy/built`);
    const rows = lines((await w.docker(['images', '--digests', `${host}/spy/built`])).stdout);
    assert.deepEqual(columns(rows[1]!).slice(0, 4), [`${host}/spy/built`, '<none>', m.digest, shortId(imgA.id)]);
  });

  it('an unknown tag or repository is a 404 with dockerd’s exact message', async () => {
    for (const name of [`${host}/spy/nosuch:1`, `${host}/spy/built:nosuch`]) {
      const r = await w.docker(['pull', name]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), `Error response from daemon: manifest for ${name} not found: manifest unknown: manifest unknown`);
    }
  });

  it('wharf run pulls a missing image, then runs it', async () => {
    await w.docker(['rmi', '-f', `${host}/spy/built@${digestA}`]);
    const r = await w.wharf(['run', '--rm', `${host}/spy/built:1`, 'busybox', 'wc', '-c', '/a.txt']);
    assert.equal(r.code, 0, r.stderr + w.logs().slice(-3000));
    assert.match(r.stderr, new RegExp(`Unable to find image '${host}/spy/built:1' locally`));
    assert.equal(r.stdout.trim(), '3000 /a.txt');
  });

  it('create --pull missing|always|never, from the docker CLI and ours, asks the registry only as told', async () => {
    const image = `${host}/spy/built:1`;
    // Present whatever the tests before did (the run test removes it when it cannot start).
    assert.equal((await w.docker(['pull', image])).code, 0);
    const manifestGets = (repo: string) => (reg.log().match(new RegExp(`"(GET|HEAD) /v2/${repo}/manifests/[^" ]+ HTTP/1.1" 200`, 'g')) ?? []).length;
    const absentGets = () => (reg.log().match(/"(GET|HEAD) \/v2\/spy\/absent\/manifests\//g) ?? []).length;
    for (const cli of ['docker', 'wharf'] as const) {
      const create = async (args: string[]) => {
        const r = await (cli === 'docker' ? w.docker(['create', ...args]) : w.wharf(['create', ...args]));
        if (r.code === 0) await w.docker(['rm', r.stdout.trim()]);
        return r;
      };
      // missing: the image is here, so no registry request at all.
      const before = manifestGets('spy/built');
      const missing = await create(['--pull', 'missing', image, 'true']);
      assert.equal(missing.code, 0, `${cli}: ${missing.stderr}`);
      assert.doesNotMatch(missing.stderr, /Pulling from/);
      assert.equal(manifestGets('spy/built'), before, `${cli} --pull missing asked the registry`);
      // always: resolved against the registry even though the image is here.
      const always = await create(['--pull', 'always', image, 'true']);
      assert.equal(always.code, 0, `${cli}: ${always.stderr}`);
      assert.ok(always.stderr.includes(`Status: Image is up to date for ${image}`), `${cli}: ${always.stderr}`);
      assert.ok(manifestGets('spy/built') > before, `${cli} --pull always did not ask the registry`);
      // never: a missing image is an error, and the registry is not asked.
      const asked = absentGets();
      const never = await create(['--pull', 'never', `${host}/spy/absent:1`, 'true']);
      assert.notEqual(never.code, 0);
      assert.ok(never.stderr.includes(`No such image: ${host}/spy/absent:1`), `${cli}: ${never.stderr}`);
      assert.equal(absentGets(), asked);
    }
  });

  it('docker search lists the registry’s repositories matching the term', async () => {
    const r = await w.docker(['search', `${host}/spy`]);
    assert.equal(r.code, 0, r.stderr);
    const rows = lines(r.stdout);
    assert.deepEqual(columns(rows[0]!), ['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL']);
    assert.deepEqual(rows.slice(1).map((l) => columns(l)[0]), [`${host}/spy/built`, `${host}/spy/other`]);
    const ours = await w.wharf(['search', `${host}/spy`]);
    assert.equal(ours.stdout, r.stdout);
  });

  it('pull --all-tags pulls every tag of the repository', async () => {
    assert.equal((await w.docker(['tag', `${host}/spy/other:1`, `${host}/spy/other:2`])).code, 0);
    assert.equal((await w.docker(['push', `${host}/spy/other:2`])).code, 0);
    assert.equal((await w.docker(['rmi', `${host}/spy/other:1`, `${host}/spy/other:2`])).code, 0);
    const r = await w.docker(['pull', '-a', `${host}/spy/other`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout).slice(-2), [`Status: Downloaded newer image for ${host}/spy/other`, `${host}/spy/other`]);
    assert.equal(lines(r.stdout).filter((l) => l.startsWith('Status:')).length, 1, 'one status for the repository');
    assert.equal(lines(r.stdout).filter((l) => l.startsWith('Digest:')).length, 2, 'a digest per tag');
    const tags = await w.docker(['images', '--format', '{{.Tag}}', `${host}/spy/other`]);
    assert.deepEqual(lines(tags.stdout).sort(), ['1', '2']);
  });

  describe('with real dockerd on the same registry', () => {
    let real: RealDockerd;
    before(async () => {
      real = await startRealDockerd();
    });
    after(async () => {
      await real?.stop();
    });

    it('dockerd pulls what wharfd pushed (multi-member gzip, schema2 manifest) and gets the same image', async () => {
      const r = await real.docker(['pull', `${host}/spy/built:1`]);
      assert.equal(r.code, 0, r.stderr);
      const fmt = ['image', 'inspect', '-f', '{{.Id}} {{json .RootFS.Layers}}', `${host}/spy/built:1`];
      assert.equal((await real.docker(fmt)).stdout, `${imgA.id} ${JSON.stringify(imgA.diffIDs)}\n`);
    });

    it('wharfd pulls what dockerd pushed', async () => {
      assert.equal((await real.docker(['tag', `${host}/spy/built:1`, `${host}/spy/fromdocker:7`])).code, 0);
      const p = await real.docker(['push', `${host}/spy/fromdocker:7`]);
      assert.equal(p.code, 0, p.stderr);
      const r = await w.docker(['pull', `${host}/spy/fromdocker:7`]);
      assert.equal(r.code, 0, r.stderr);
      const inspect = await w.docker(['image', 'inspect', '-f', '{{.Id}}', `${host}/spy/fromdocker:7`]);
      assert.equal(inspect.stdout.trim(), imgA.id);
    });
  });
});
