/**
 * Renders JSON-message progress streams (load, import, pull, push) exactly like the docker CLI's
 * jsonmessage.DisplayJSONMessagesStream: on a terminal each layer id keeps one line that is
 * redrawn in place (cursor up, clear line, rewrite, cursor down); otherwise progress-bar lines
 * are dropped and the rest printed plainly.
 */
import { readJSONMessages, messageError } from '../../client/json-messages.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import { humanSize } from './units.js';

interface ProgressDetail {
  current?: number;
  total?: number;
  start?: number;
  hidecounts?: boolean;
  units?: string;
}

/** docker's JSONProgress.String(): `[=====>    ]  1.2MB/4.5MB`, sized to the terminal width. */
export function progressString(p: ProgressDetail, width: number): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  const percentage = Math.min(50, Math.trunc(Math.trunc((current / total) * 100) / 2));
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  let numbers = '';
  if (!p.hidecounts) {
    if (p.units) numbers = `${current}/${total} ${p.units}`;
    else numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  }
  let timeLeft = '';
  if (current > 0 && p.start && percentage < 50 && width > 50) {
    const elapsed = Date.now() / 1000 - p.start;
    const left = Math.trunc(((total - current) * elapsed) / current);
    timeLeft = ` ${formatGoDuration(left)}`;
  }
  return bar + numbers + timeLeft;
}

/** Go's time.Duration String() for whole seconds (`1m5s`, `45s`, `2h0m0s`). */
function formatGoDuration(seconds: number): string {
  const h = Math.trunc(seconds / 3600);
  const m = Math.trunc((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export interface ProgressSink {
  write(s: string): void;
}

/** Stateful renderer of one stream. */
export class JSONMessageRenderer {
  private ids = new Map<string, number>();

  constructor(
    private readonly out: ProgressSink,
    private readonly isTerminal: boolean,
    private readonly width: () => number = () => 200,
    private readonly onAux?: (m: JSONMessage) => void,
  ) {}

  render(m: JSONMessage): void {
    if (m.aux !== undefined) {
      this.onAux?.(m);
      return;
    }
    const hasProgress = m.progressDetail !== undefined;
    let diff = 0;
    if (m.id && (hasProgress || m.progress)) {
      let line = this.ids.get(m.id);
      if (line === undefined) {
        // A new id gets a new line at the bottom; older ids are redrawn in place.
        line = this.ids.size;
        this.ids.set(m.id, line);
        if (this.isTerminal) this.out.write('\n');
      }
      diff = this.ids.size - line;
      if (this.isTerminal && diff > 0) this.out.write(`\x1b[${diff}A`);
    } else {
      // Anything else ends the current group of progress lines.
      this.ids = new Map();
    }
    this.display(m, hasProgress);
    if (m.id && this.isTerminal && diff > 0) this.out.write(`\x1b[${diff}B`);
  }

  private display(m: JSONMessage, hasProgress: boolean): void {
    const width = this.isTerminal ? this.width() : 200;
    const progress = hasProgress ? progressString(m.progressDetail as ProgressDetail, width) : '';
    let endl = '';
    if (this.isTerminal && !m.stream && hasProgress) {
      this.out.write('\x1b[2K\r');
      endl = '\r';
    } else if (hasProgress && progress !== '') {
      return; // no progress bars off a terminal
    }
    let s = '';
    if (m.id) s += `${m.id}: `;
    const from = (m as { from?: string }).from;
    if (from) s += `(from ${from}) `;
    if (hasProgress && this.isTerminal) s += `${m.status ?? ''} ${progress}${endl}`;
    else if (m.progress) s += `${m.status ?? ''} ${m.progress}${endl}`;
    else if (m.stream) s += `${m.stream}${endl}`;
    else s += `${m.status ?? ''}${endl}\n`;
    this.out.write(s);
  }
}

/**
 * Reads a progress stream and renders it; throws the error of an `error` line (a
 * JSONMessageError, printed by the CLI without prefix).
 */
export async function displayJSONMessages(
  stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  out: ProgressSink,
  opts: { isTerminal: boolean; width?: () => number; onAux?: (m: JSONMessage) => void },
): Promise<void> {
  const r = new JSONMessageRenderer(out, opts.isTerminal, opts.width, opts.onAux);
  for await (const m of readJSONMessages(stream)) {
    const err = messageError(m);
    if (err) throw err;
    r.render(m);
  }
}
