/**
 * Resizes a process's terminal through its shim (a resize frame: TIOCSWINSZ on the pty master).
 * Live attach and exec connections are tracked per shim state dir and reused; without one, a
 * short-lived connection carries the frame.
 */
import { attachShim, type ShimConnection } from '../../../plugins/shim/attach-shim.js';

export class TerminalResizer {
  private readonly live = new Map<string, Set<ShimConnection>>();

  /** Registers a live connection to the shim in `stateDir`; returns the unregister function. */
  track(stateDir: string, conn: ShimConnection): () => void {
    let set = this.live.get(stateDir);
    if (!set) {
      set = new Set();
      this.live.set(stateDir, set);
    }
    set.add(conn);
    return () => {
      set.delete(conn);
      if (set.size === 0 && this.live.get(stateDir) === set) this.live.delete(stateDir);
    };
  }

  /**
   * Sends the size. The shim ignores it without a tty (Docker answers 200 there too). Must not
   * be used on an exec's shim before its first client attached: that client is owed the output
   * the shim kept, and a passing resize connection would take it (the exec service waits).
   */
  async resize(stateDir: string, rows: number, cols: number): Promise<void> {
    const existing = this.live.get(stateDir)?.values().next().value;
    if (existing) {
      existing.resize(rows, cols);
      return;
    }
    const conn = await attachShim(stateDir);
    try {
      conn.resize(rows, cols);
      // The frame is handed to the kernel synchronously when the socket's queue is empty, as it
      // is on a fresh connection; one turn of the loop lets a queued write finish before close.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      conn.close();
    }
  }
}
