/**
 * Terminal cases with the real docker CLI in a real terminal (tmux on a private socket): run -it,
 * attach with ctrl-p ctrl-q, exec -it, and resizing the terminal.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupFixture, eventually, mountsOf, shimsOf, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

/** One tmux server of our own with one session running a command in a pty of a given size. */
class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly name: string,
  ) {}

  static async start(dir: string, command: string, cols = 100, rows = 30): Promise<Terminal> {
    const socket = path.join(dir, 'tmux.sock');
    const conf = path.join(dir, 'tmux.conf');
    // The pane stays after its command exits, showing the exit status the shell echoes.
    await fs.writeFile(conf, 'set -g remain-on-exit on\nset -g status off\n');
    const t = new Terminal(socket, `t${Date.now()}`);
    const line = `${command}; echo "EXIT=$?"`;
    const r = await run('tmux', ['-S', socket, '-f', conf, 'new-session', '-d', '-s', t.name, '-x', String(cols), '-y', String(rows), line]);
    assert.equal(r.code, 0, r.stderr);
    return t;
  }

  private tmux(...args: string[]) {
    return run('tmux', ['-S', this.socket, ...args]);
  }

  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', this.name)).stdout;
  }

  async type(text: string): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, '-l', text);
    await this.tmux('send-keys', '-t', this.name, 'Enter');
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', this.name, ...keys);
  }

  async resize(cols: number, rows: number): Promise<void> {
    const r = await this.tmux('resize-window', '-t', this.name, '-x', String(cols), '-y', String(rows));
    assert.equal(r.code, 0, r.stderr);
  }

  async waitFor(re: RegExp, what = String(re)): Promise<void> {
    try {
      await eventually(async () => re.test(await this.screen()), what, 15_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${await this.screen()}`);
    }
  }

  /** The exit status once the command has ended. */
  async exitStatus(): Promise<number> {
    await this.waitFor(/^EXIT=\d+$/m, 'the command in the terminal ends');
    return Number(/^EXIT=(\d+)$/m.exec(await this.screen())![1]);
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server');
  }
}

describe('docker -it against wharfd, in a real terminal', () => {
  let d: TestDaemon;
  let dir: string;
  let docker: string;
  const terminals: Terminal[] = [];

  const open = async (args: string, cols?: number, rows?: number) => {
    const sub = await fs.mkdtemp(path.join(dir, 'tty-'));
    const t = await Terminal.start(sub, `${docker} ${args}`, cols, rows);
    terminals.push(t);
    return t;
  };

  before(async () => {
    d = await startDaemonWithBusybox();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-tty-'));
    docker = `env DOCKER_HOST=${d.host} DOCKER_CONFIG=${d.env.DOCKER_CONFIG} ${DOCKER}`;
  });

  after(async () => {
    for (const t of terminals) await t.kill();
    let leaks: { shims: number[]; mounts: string[] } | undefined;
    try {
      if (d) {
        // Every container, also one a failed test left running.
        const all = (await d.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
        if (all.length) await d.docker(['rm', '-f', ...all]);
        leaks = { shims: await shimsOf(d), mounts: await mountsOf(d) };
      }
    } finally {
      await d?.destroy();
      if (dir) await fs.rm(dir, { recursive: true, force: true });
      await cleanupFixture();
    }
    assert.deepEqual(leaks, { shims: [], mounts: [] }, 'no shim or mount left');
  });

  it('docker run -it --rm busybox sh: prompt, arithmetic, terminal size and resize, exit', async () => {
    const t = await open('run -it --rm --network none busybox sh', 100, 30);
    await t.waitFor(/^\/ #/m, 'the shell prompt');
    await t.type('echo $((6*7))');
    await t.waitFor(/^42$/m);
    await t.type('stty size');
    await t.waitFor(/^30 100$/m, 'the initial size');
    await t.resize(70, 20);
    await new Promise((r) => setTimeout(r, 300)); // SIGWINCH → the CLI's resize request
    await t.type('stty size');
    await t.waitFor(/^20 70$/m, 'the new size');
    await t.type('exit 4');
    assert.equal(await t.exitStatus(), 4);
    await eventually(async () => (await d.docker(['ps', '-aq'])).stdout === '', 'the --rm container is gone');
  });

  it('docker run -dit, docker attach, ctrl-p ctrl-q detaches and leaves it running', async () => {
    // As with dockerd, the CLI reports the detach as the error "read escape sequence", exit 1.
    const r = await d.docker(['run', '-dit', '--name', 'tty-ctr', '--network', 'none', 'busybox', 'sh']);
    assert.equal(r.code, 0, r.stderr);
    const t = await open('attach tty-ctr');
    await t.type('echo attached-$((1+1))');
    await t.waitFor(/^attached-2$/m);
    await t.keys('C-p', 'C-q');
    assert.equal(await t.exitStatus(), 1);
    await t.waitFor(/^\/ # read escape sequence$/m);
    const state = await d.docker(['inspect', '-f', '{{.State.Running}}', 'tty-ctr']);
    assert.equal(state.stdout.trim(), 'true');
  });

  it('docker exec -it CTR sh: prompt, arithmetic, resize, exit status', async () => {
    const t = await open('exec -it tty-ctr sh', 90, 25);
    await t.waitFor(/^\/ #/m, 'the shell prompt');
    await t.type('echo $((6*7)); stty size');
    await t.waitFor(/^42\n25 90$/m);
    await t.resize(60, 15);
    await new Promise((r) => setTimeout(r, 300));
    await t.type('stty size');
    await t.waitFor(/^15 60$/m, 'the new size');
    await t.type('exit 5');
    assert.equal(await t.exitStatus(), 5);
    const state = await d.docker(['inspect', '-f', '{{.State.Running}} {{len .ExecIDs}}', 'tty-ctr']);
    assert.equal(state.stdout.trim(), 'true 0');
  });
});
