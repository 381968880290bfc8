import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerConfig } from '../../../spec/engine/types.js';
import type { ImageConfigFile } from '../../../spec/oci/image.js';
import { commitConfigBytes, commitRunConfig } from './commit-config.js';

const container: ContainerConfig = {
  Hostname: 'abc',
  Env: ['PATH=/bin', 'A=container'],
  Cmd: ['sleep', '1000'],
  Image: 'busybox',
  Labels: { keep: 'c', both: 'c' },
  ExposedPorts: { '80/tcp': {} },
  WorkingDir: '/w',
};

describe('commit config', () => {
  it('applies changes and fills the rest from the container config (moby merge)', () => {
    const c = commitRunConfig(undefined, ['CMD ["x"]', 'ENV A=1 B=2', 'LABEL both=change', 'EXPOSE 443'], container);
    assert.deepEqual(c.Cmd, ['x']);
    assert.deepEqual(c.Env, ['PATH=/bin', 'A=1', 'B=2']);
    assert.deepEqual(c.Labels, { keep: 'c', both: 'change' });
    assert.deepEqual(Object.keys(c.ExposedPorts ?? {}).sort(), ['443/tcp', '80/tcp']);
    assert.equal(c.Hostname, 'abc');
    assert.equal(c.WorkingDir, '/w');
    assert.deepEqual(container.Env, ['PATH=/bin', 'A=container'], 'the container config is not changed');
  });

  it('starts from a requested config, taking what it lacks from the container', () => {
    const c = commitRunConfig({ Env: ['X=1'], User: 'nobody' }, [], container);
    assert.deepEqual(c.Env, ['X=1', 'PATH=/bin', 'A=container']);
    assert.equal(c.User, 'nobody');
    assert.deepEqual(c.Cmd, ['sleep', '1000'], 'no entrypoint and no cmd: the container cmd');
    assert.equal(c.Hostname, undefined, 'fields merge does not cover stay as requested');
  });

  it('refuses instructions commit does not accept', () => {
    assert.throws(() => commitRunConfig(undefined, ['RUN true'], container), /run is not a valid change command/);
  });

  it("writes dockerd's child image config: sorted keys, history appended, no top-level comment", () => {
    const parent: ImageConfigFile = {
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
      history: [{ created_by: 'base', created: '2026-05-07T20:33:45.000Z' }],
    };
    const bytes = commitConfigBytes({
      parent,
      config: commitRunConfig(undefined, [], container),
      containerConfig: container,
      containerId: 'c0ffee',
      author: 'me',
      comment: 'msg',
      diffID: 'sha256:bb',
      created: '2026-11-22T12:40:26.825838773Z',
    });
    const cfg = JSON.parse(bytes.toString('utf8'));
    assert.deepEqual(Object.keys(cfg), ['architecture', 'author', 'config', 'container', 'container_config', 'created', 'docker_version', 'history', 'os', 'rootfs']);
    assert.deepEqual(cfg.rootfs.diff_ids, ['sha256:aa', 'sha256:bb']);
    assert.deepEqual(cfg.history, [
      { created: '2026-05-07T20:33:45Z', created_by: 'base' },
      { created: '2026-11-22T12:40:26.825838773Z', author: 'me', created_by: 'sleep 1000', comment: 'msg' },
    ]);
    assert.equal(cfg.container_config.Cmd.join(' '), 'sleep 1000');
    const empty = JSON.parse(commitConfigBytes({ parent, config: {}, containerConfig: container, containerId: 'c', created: '2026-11-22T00:00:00Z' }).toString());
    assert.deepEqual(empty.rootfs.diff_ids, ['sha256:aa'], 'an empty layer adds no diffID');
    assert.equal(empty.history[1].empty_layer, true);
  });
});
