/**
 * The interactive side of wharf's container commands, driven through real pseudo-terminals and
 * checked against the real docker CLI doing the same on the same dockerd: `run -it` (raw mode,
 * resize, exit status), detach keys from `run -it` and from `attach`, `exec -it`, and signal
 * proxying without a TTY.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRealDockerd } from '../../test/helpers/real-dockerd.js';
import { type Harness, REPO_ROOT, startHarness } from './testkit/docker-harness.js';
import { type PtySession, startPtySession } from './testkit/pty-session.js';

const NET = ['--network', 'none'];
const TOOLS = ['docker', 'wharf'] as const;
type Tool = (typeof TOOLS)[number];

describe('interactive containers: wharf vs docker in a real pty', { timeout: 300000 }, () => {
  let h: Harness;

  before(async () => {
    h = await startHarness(startRealDockerd);
  });

  after(async () => {
    await h?.stop();
  });

  /** argv of a CLI process: docker, or wharf from source through tsx. */
  function argv(tool: Tool, args: string[]): string[] {
    if (tool === 'docker') return ['/usr/local/bin/docker', ...args];
    return [process.execPath, '--import', import.meta.resolve('tsx'), path.join(REPO_ROOT, 'src/cmd/wharf.ts'), ...args];
  }

  function pty(tool: Tool, args: string[], size = { rows: 30, cols: 100 }): PtySession {
    return startPtySession(argv(tool, args), { ...size, env: { ...h.d.env, WHARF_HOST: '' } });
  }

  async function state(name: string): Promise<string> {
    return (await h.docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim();
  }

  for (const tool of TOOLS) {
    it(`${tool}: run -it gives a raw terminal that follows resizes and exits with the shell's status`, async () => {
      const s = pty(tool, ['run', '-it', '--rm', ...NET, '--name', `it-${tool}`, 'busybox', 'sh']);
      try {
        await s.waitForRaw();
        await s.waitFor(/\/ # /);
        s.write('echo $((6*7))\r');
        await s.waitFor(/\r\n42\r\n/);
        s.write('stty size\r');
        await s.waitFor(/\r\n30 100\r\n/);
        const mark = s.output().length;
        s.resize(40, 120);
        // The resize travels: our SIGWINCH, the resize request, the container's SIGWINCH.
        await new Promise((r) => setTimeout(r, 500));
        s.write('stty size\r');
        await s.waitFor(/\r\n40 120\r\n/, { from: mark });
        s.write('exit 5\r');
        assert.equal(await s.exited, 5);
        assert.doesNotMatch(s.output(), /\r\r\n/, 'output is passed through raw');
        assert.equal((await h.docker(['ps', '-aq', '--filter', `name=it-${tool}`])).stdout, '', '--rm removed it');
      } finally {
        s.kill();
      }
    });

    it(`${tool}: ctrl-p ctrl-q detaches from run -it quietly, leaving the container running`, async () => {
      const name = `detach-${tool}`;
      const s = pty(tool, ['run', '-it', ...NET, '--name', name, 'busybox', 'sh']);
      try {
        await s.waitForRaw();
        await s.waitFor(/\/ # /);
        s.write('\x10\x11');
        assert.equal(await s.exited, 0);
        assert.doesNotMatch(s.output(), /escape/);
        assert.equal(await state(name), 'running');
      } finally {
        s.kill();
      }
    });

    it(`${tool}: attach to run -dit, type, and detach with "read escape sequence"`, async () => {
      const name = `att-${tool}`;
      assert.equal((await h.docker(['run', '-dit', ...NET, '--name', name, 'busybox', 'sh'])).code, 0);
      const s = pty(tool, ['attach', name]);
      try {
        await s.waitForRaw();
        s.write('echo hello$((1+1))\r');
        await s.waitFor(/\r\nhello2\r\n/);
        s.write('\x10\x11');
        assert.equal(await s.exited, 1);
        assert.match(s.output(), /read escape sequence\r\n$/);
        assert.equal(await state(name), 'running');
      } finally {
        s.kill();
      }
      const e = pty(tool, ['exec', '-it', name, 'sh'], { rows: 25, cols: 90 });
      try {
        await e.waitForRaw();
        await e.waitFor(/\/ # /);
        e.write('stty size; exit 7\r');
        await e.waitFor(/\r\n25 90\r\n/);
        assert.equal(await e.exited, 7);
      } finally {
        e.kill();
      }
    });

    it(`${tool}: without a TTY, signals are proxied to the container`, async () => {
      const child = spawn(argv(tool, [])[0], [...argv(tool, []).slice(1), 'run', '--rm', ...NET, 'busybox', 'sh', '-c', 'trap "echo got INT; exit 9" INT; echo ready; while :; do sleep 0.1; done'], {
        env: { ...h.d.env, WHARF_HOST: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "ready" from ${tool}: ${out}`)), 20000);
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('ready')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      assert.equal(await exited, 9);
      assert.equal(out, 'ready\ngot INT\n');
    });
  }
});
