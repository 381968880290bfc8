import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ContainerRecord, ZERO_TIME } from '../../core/containers/container.js';
import { isKind } from '../../errdefs/index.js';
import { FileContainerStore, validateContainerName } from './file-container-store.js';

function record(id: string, name: string): ContainerRecord {
  return {
    id,
    name,
    created: new Date().toISOString(),
    image: 'busybox',
    imageId: `sha256:${'a'.repeat(64)}`,
    config: { Image: 'busybox', Cmd: ['sh'] },
    hostConfig: {},
    path: 'sh',
    args: [],
    state: { status: 'created', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, shimPid: 0 },
    restartCount: 0,
    hasBeenManuallyStopped: false,
    snapshotKey: id,
    logPath: '',
    hostnamePath: '',
    hostsPath: '',
    resolvConfPath: '',
    runtime: 'runc',
  };
}

describe('FileContainerStore', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-cstore-'));
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('resolves by id, name, /name and unique prefix; persists across reopen', async () => {
    const s = await FileContainerStore.open(root);
    await s.add(record('abc123'.padEnd(64, '0'), 'web'));
    await s.add(record('abd456'.padEnd(64, '0'), 'db'));
    assert.equal(s.resolve('web').name, 'web');
    assert.equal(s.resolve('/db').name, 'db');
    assert.equal(s.resolve('abc').name, 'web');
    assert.throws(() => s.resolve('ab'), /multiple IDs found/);
    assert.throws(() => s.resolve('nosuch'), (e: unknown) => isKind(e, 'NotFound') && /No such container: nosuch/.test(String(e)));
    const again = await FileContainerStore.open(root);
    assert.equal(again.list().length, 2);
    assert.equal(again.resolve('db').id, 'abd456'.padEnd(64, '0'));
  });

  it('refuses a taken name with Docker message, renames, removes', async () => {
    const s = await FileContainerStore.open(root);
    await assert.rejects(s.add(record('f'.repeat(64), 'web')), (e: unknown) => isKind(e, 'Conflict') && /The container name "\/web" is already in use/.test(String(e)));
    await s.rename('web', 'web2');
    assert.equal(s.find('web'), undefined);
    assert.equal(s.resolve('web2').id, 'abc123'.padEnd(64, '0'));
    await s.remove(s.resolve('web2').id);
    assert.equal(s.find('web2'), undefined);
    const again = await FileContainerStore.open(root);
    assert.equal(again.find('web2'), undefined);
    assert.equal(again.list().length, 1);
  });

  it('finishes a removal that a crash cut short', async () => {
    const s = await FileContainerStore.open(root);
    const id = s.resolve('db').id;
    await fs.rename(path.join(root, id), path.join(root, `.tmp-removing-${id}`));
    const again = await FileContainerStore.open(root);
    assert.equal(again.find('db'), undefined);
    assert.deepEqual(await fs.readdir(root), []);
  });

  it('applies one record\'s saves in call order; a remove overtakes saves in flight', async () => {
    const s = await FileContainerStore.open(root);
    const rec = record('e'.repeat(64), 'ordered');
    await s.add(rec);
    const file = path.join(root, rec.id, 'config.v2.json');
    const writes: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      rec.restartCount = i;
      writes.push(s.save(rec));
    }
    rec.restartCount = 99; // after the saves were issued: written by none of them
    await Promise.all(writes);
    assert.equal((JSON.parse(await fs.readFile(file, 'utf8')) as ContainerRecord).restartCount, 20, 'the last save issued is the one on disk');
    // A remove does not wait for a save in flight: the save resolves (moot: no record is left)
    // and brings nothing back; the background delete waits for it, so no temp dir is left.
    for (let i = 0; i < 10; i++) writes.push(s.save(rec));
    const removed = s.remove(rec.id);
    await Promise.all([...writes, removed]);
    await assert.rejects(fs.access(path.join(root, rec.id)), 'the saves in flight did not bring the directory back');
    await assert.rejects(s.save(rec), /No such container/, 'a save after the remove is refused');
    const left = async () => (await fs.readdir(root)).filter((n) => n.includes(rec.id));
    for (let i = 0; i < 100 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(await left(), [], 'the removed directory and any temp file of a save are deleted');
    assert.equal((await FileContainerStore.open(root)).find('ordered'), undefined);
  });

  it('validates names as Docker does', () => {
    assert.equal(validateContainerName('/ok_name-1.x'), 'ok_name-1.x');
    assert.throws(() => validateContainerName('bad name'), /Invalid container name/);
    assert.throws(() => validateContainerName('-x'), /Invalid container name/);
  });
});
