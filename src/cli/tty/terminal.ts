/**
 * The local terminal during a TTY attach: raw mode on stdin (so keystrokes, ctrl-c included, go
 * to the container), the window size, and resizes of the container's terminal when ours changes.
 */
import { spawnSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export type TerminalInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
export type TerminalOutput = Writable & { isTTY?: boolean; rows?: number; columns?: number };

/**
 * Puts stdin in raw mode if it is a terminal; returns the restore function (idempotent), which
 * the caller must call however the session ends, or the user's shell is left raw.
 */
export function setRawTerminal(stdin: TerminalInput): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => {};
  stdin.setRawMode(true);
  // libuv's raw mode keeps output post-processing (ONLCR), so the container's "\r\n" would
  // reach the screen as "\r\r\n"; docker's raw terminal turns it off. Node has no termios API:
  // stty on the same terminal does it, and setRawMode(false) restores the saved settings.
  spawnSync('stty', ['-opost'], { stdio: [(stdin as { fd?: number }).fd ?? 0, 'ignore', 'ignore'] });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdin.setRawMode?.(false);
  };
  // However the process ends (an uncaught error, process.exit), leave the terminal usable.
  process.once('exit', restore);
  return () => {
    process.off('exit', restore);
    restore();
  };
}

/** docker's Out().GetTtySize(): `[rows, columns]`, `[0, 0]` when stdout is not a terminal. */
export function ttySize(stdout: TerminalOutput): [number, number] {
  if (!stdout.isTTY) return [0, 0];
  return [stdout.rows ?? 0, stdout.columns ?? 0];
}

export type ResizeFn = (height: number, width: number) => Promise<void>;

/**
 * docker's MonitorTtySize: sizes the container's terminal like ours now (retrying briefly: the
 * process may not have its terminal yet), then again on every SIGWINCH (Node reports it as the
 * stdout `resize` event). Returns the function that stops watching.
 */
export function monitorTtySize(stdout: TerminalOutput, resize: ResizeFn, onFailure: () => void): () => void {
  const resizeNow = async () => {
    const [h, w] = ttySize(stdout);
    if (h === 0 && w === 0) return;
    await resize(h, w);
  };
  let stopped = false;
  void (async () => {
    for (let retry = 0; ; retry++) {
      try {
        await resizeNow();
        return;
      } catch {
        if (retry === 10 || stopped) {
          if (!stopped) onFailure();
          return;
        }
        await new Promise((r) => setTimeout(r, (retry + 1) * 10));
      }
    }
  })();
  const onResize = () => {
    resizeNow().catch(() => {});
  };
  stdout.on('resize', onResize);
  return () => {
    stopped = true;
    stdout.off('resize', onResize);
  };
}
