/**
 * `wharf update` against the real docker CLI on one private, real dockerd: the same request body
 * (through a recording proxy, byte for byte), the same output, warnings and errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, startHarness } from './testkit/docker-harness.js';
import { type RecordingProxy, startRecordingProxy } from './testkit/recording-proxy.js';

describe('update: wharf vs docker', { timeout: 300000 }, () => {
  let h: Harness;
  let proxy: RecordingProxy;

  before(async () => {
    h = await startHarness(startRealDockerd);
    proxy = await startRecordingProxy(h.d.socketPath);
    for (const args of [['run', '-d', '--name', 'up1', '--network', 'none', 'busybox', 'sleep', '600'], ['create', '--name', 'up2', '--network', 'none', 'busybox', 'true']]) {
      const r = await h.docker(args);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    await h?.docker(['rm', '-f', 'up1', 'up2']);
    await proxy?.close();
    await h?.stop();
  });

  /** The update request body each CLI sends for `update ARGS`. */
  async function bodies(args: string[]) {
    const send = async (tool: 'docker' | 'wharf') => {
      proxy.clear();
      const r = tool === 'docker' ? await h.docker(['update', ...args], { host: proxy.host }) : await h.wharf(['update', ...args], { host: proxy.host });
      const req = proxy.requests().find((x) => x.method === 'POST' && x.url.endsWith('/update'));
      assert.ok(req, `${tool} sent no update request: ${r.stderr}`);
      return req.body.toString('utf8');
    };
    return { docker: await send('docker'), wharf: await send('wharf') };
  }

  it('sends the same body', async () => {
    for (const args of [
      ['--memory', '64m', '--memory-swap', '128m', 'up1'],
      ['--cpus', '0.5', '--pids-limit', '50', '--cpu-shares', '512', '--cpuset-cpus', '0', 'up1'],
      ['--restart', 'on-failure:3', '--memory-reservation', '8m', 'up2'],
      ['--pids-limit', '-1', '--blkio-weight', '500', 'up1'],
    ]) {
      const { docker, wharf } = await bodies(args);
      assert.equal(wharf, docker, args.join(' '));
    }
  });

  it('prints names, warnings and errors as docker does', async () => {
    await h.same(['update', '--memory', '96m', '--memory-swap', '192m', 'up1']);
    await h.same(['update', '--kernel-memory', '10m', 'up1']);
    await h.same(['container', 'update', '--restart', 'always', 'up2']);
    await h.same(['update', 'up1']);
    await h.same(['update', '--memory', '1k', 'up1']);
    await h.same(['update', '--memory', '32m', 'nosuch', 'up1', 'nosuch2']);
    await h.same(['update', '--cpus', 'x', 'up1']);
    await h.same(['update', '--restart', 'on-failure:x', 'up1']);
    await h.same(['update', '--memory', '64m']);
  });
});
