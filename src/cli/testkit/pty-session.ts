/**
 * Test support: runs a command in a real pseudo-terminal, so interactive CLI behaviour (raw mode,
 * detach keys, window resizes) is exercised for real. Node has no pty API; python3's pty module
 * (python3 is on every machine of ours) forks the command on a fresh pty and relays bytes, and
 * sets the window size with TIOCSWINSZ, which makes the kernel send SIGWINCH to the command.
 *
 * ```ts
 * const s = startPtySession(['docker', 'run', '-it', 'busybox', 'sh'], { rows: 30, cols: 100 });
 * await s.waitFor(/# $/);
 * s.write('exit 5\r');
 * assert.equal(await s.exited, 5);
 * ```
 */
import { spawn } from 'node:child_process';

// The relay: stdin carries JSON lines ({"w": base64} to type, {"size": [rows, cols]} to resize,
// {"close": true} to hang up); the pty's output goes to stdout; the exit status is the last line
// on stderr as "EXIT <code>".
const DRIVER = String.raw`
import os, pty, sys, select, fcntl, termios, struct, json, base64
rows, cols = int(sys.argv[1]), int(sys.argv[2])
def winsize(fd, r, c): fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    winsize(0, rows, cols)
    os.execvp(sys.argv[3], sys.argv[3:])
buf = b''
inputs = [fd, 0]
echo = None
while True:
    r, _, _ = select.select(inputs, [], [], 0.02)
    try:
        now = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
        if now != echo:
            echo = now
            sys.stderr.write('MODE %s\n' % ('cooked' if now else 'raw'))
            sys.stderr.flush()
    except termios.error:
        pass
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        chunk = os.read(0, 65536)
        if not chunk:
            inputs = [fd]
            continue
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            msg = json.loads(line)
            if 'w' in msg:
                os.write(fd, base64.b64decode(msg['w']))
            if 'size' in msg:
                winsize(fd, msg['size'][0], msg['size'][1])
_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
sys.stderr.write('EXIT %d\n' % code)
`;

export interface PtySession {
  /** Everything the command wrote to its terminal so far. */
  output(): string;
  /** Types bytes at the terminal. */
  write(s: string | Buffer): void;
  /** Resizes the terminal (the command gets SIGWINCH). */
  resize(rows: number, cols: number): void;
  /** Resolves once the terminal is in raw mode (echo off): the command reads keystrokes itself. */
  waitForRaw(timeoutMs?: number): Promise<void>;
  /** Resolves once the output (after `from`, an offset into output()) matches. */
  waitFor(re: RegExp, opts?: { timeoutMs?: number; from?: number }): Promise<RegExpMatchArray>;
  /** The command's exit status. */
  exited: Promise<number>;
  /** Kills the relay and the command. */
  kill(): void;
}

/** Starts `argv` on a new pty of the given size. */
export function startPtySession(argv: string[], opts: { rows?: number; cols?: number; env?: NodeJS.ProcessEnv } = {}): PtySession {
  const child = spawn('python3', ['-c', DRIVER, String(opts.rows ?? 24), String(opts.cols ?? 80), ...argv], {
    env: { ...(opts.env ?? process.env), TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('latin1');
    for (const w of waiters) w();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    for (const w of waiters) w();
  });
  child.stdin.on('error', () => {});
  const exited = new Promise<number>((resolve) => {
    child.on('close', () => {
      const m = /EXIT (\d+)\s*$/.exec(err);
      resolve(m ? Number(m[1]) : -1);
      for (const w of waiters) w();
    });
  });
  const send = (msg: object) => {
    if (child.stdin.writable) child.stdin.write(`${JSON.stringify(msg)}\n`);
  };
  return {
    output: () => out,
    write: (s) => send({ w: Buffer.from(s).toString('base64') }),
    resize: (rows, cols) => send({ size: [rows, cols] }),
    exited,
    kill: () => child.kill('SIGKILL'),
    async waitForRaw(timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (!/MODE raw\n(?![\s\S]*MODE cooked)/.test(err)) {
        if (Date.now() > deadline) throw new Error(`terminal never went raw; output:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    waitFor(re, o = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.slice(o.from ?? 0).match(re);
          if (m) {
            cleanup();
            resolve(m);
          } else if (child.exitCode !== null && child.stdout.readableEnded) {
            cleanup();
            reject(new Error(`pty session ended without ${re}; output:\n${out}\nstderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re}; output:\n${JSON.stringify(out)}\nstderr:\n${err}`));
        }, o.timeoutMs ?? 15000);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
