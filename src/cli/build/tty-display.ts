import { type BuildProgress, type ProgressListener, seconds, type StepView } from './build-progress.js';

/** Lines of a running step's output shown under it. */
const TAIL = 6;
const REDRAW_MS = 100;

/** `text` and `right` on one line of `cols` columns (text cut, right-aligned duration). */
function fit(text: string, right: string, cols: number): string {
  const room = Math.max(10, cols - right.length - 1);
  const t = text.length > room ? `${text.slice(0, room - 1)}…` : text.padEnd(room);
  return `${t} ${right}`;
}

function cut(text: string, cols: number): string {
  return text.length > cols ? text.slice(0, cols) : text;
}

/**
 * BuildKit-style progress on a terminal: a `[+] Building` header and one line per step with
 * its number, instruction and `CACHED` or elapsed time, the last lines of a running step's
 * output beneath it; redrawn in place every 100 ms. After a failure the failing step's whole
 * output is printed below the final frame.
 */
export class TtyDisplay implements ProgressListener {
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private progress: BuildProgress | undefined;

  constructor(
    private readonly write: (s: string) => void,
    private readonly columns: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  start(p: BuildProgress): void {
    this.progress = p;
    this.timer = setInterval(() => this.draw(false), REDRAW_MS);
    this.timer.unref();
  }

  stepStarted(): void {}
  stepOutput(): void {}
  stepEnded(): void {}
  note(): void {}

  /** The last frame; with `failed` the failing step's output and a separator follow it. */
  stop(failed?: StepView): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw(!failed);
    if (failed) {
      this.write(`------\n > ${failed.label}:\n`);
      for (const l of failed.output) this.write(`${l}\n`);
      this.write('------\n');
    }
  }

  private frame(final: boolean): string[] {
    const p = this.progress;
    if (!p) return [];
    const cols = this.columns();
    const now = this.now();
    const finished = p.steps.filter((s) => s.status !== 'running').length;
    const out = [`[+] Building ${seconds(now - p.started)} (${finished}/${p.steps.length})${final ? ' FINISHED' : ''}`];
    for (const s of p.steps) {
      const lead = s.status === 'cached' ? ' => CACHED ' : s.status === 'error' ? ' => ERROR ' : ' => ';
      out.push(fit(`${lead}${s.label}`, s.status === 'cached' ? '0.0s' : seconds((s.ended ?? now) - s.started), cols));
      if (s.status === 'running') for (const l of s.output.slice(-TAIL)) out.push(cut(` => => # ${l}`, cols));
    }
    if (final && p.imageId) {
      out.push(fit(' => exporting to image', '0.0s', cols));
      out.push(cut(` => => writing image ${p.imageId}`, cols));
      for (const t of p.tags) out.push(cut(` => => naming to ${t}`, cols));
    }
    return out;
  }

  private draw(final: boolean): void {
    const lines = this.frame(final);
    // Back to the top of the previous frame, rewrite each line, clear whatever is left below.
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) s += `\r\x1b[2K${l}\n`;
    s += '\x1b[J';
    this.write(s);
    this.drawn = lines.length;
  }
}
