/**
 * A log sink that gathers the lines of one event-loop turn into one write. The registry logs a
 * line per request; at tens of thousands of requests a second, a write(2) per line (stderr to a
 * file or pipe is synchronous in Node) would cost more than serving a small blob.
 */
export class BufferedLogWriter {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly out: { write(s: string): unknown }) {}

  write(s: string): void {
    this.lines.push(s);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything gathered so far (also called at shutdown). */
  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.out.write(text);
  }
}
