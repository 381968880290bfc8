/**
 * Reads the classic builder's message stream (`{"stream":"Step 1/3 : FROM x"}`, ` ---> Using
 * cache`, ` ---> Running in …`, RUN output, ` ---> <id>`, `Successfully tagged …`) back into
 * build events, so `wharf build` can show BuildKit-style progress over the Engine API.
 */

export type BuildEvent =
  | { type: 'step'; n: number; total: number; text: string }
  | { type: 'cached' }
  | { type: 'running'; container: string }
  | { type: 'output'; line: string }
  | { type: 'done'; id: string }
  | { type: 'note'; text: string }
  | { type: 'built'; id: string }
  | { type: 'tagged'; name: string };

const CONTROL = /^(Step \d+\/\d+ : | ---> |Removing intermediate container |Successfully (built|tagged) |# Executing \d+ build trigger|\[Warning\] |Note: )/;

/** Splits stream text into lines and classifies them. Feed every `stream` message in order. */
export class BuildStreamParser {
  private buf = '';
  /** Inside a step's own output (after ` ---> Running in`, before the next control line). */
  private running = false;

  constructor(private readonly emit: (e: BuildEvent) => void) {}

  push(text: string): void {
    // A control message always starts a line: output the container left without a newline
    // ends here (dockerd sends control lines as messages of their own).
    if (this.buf !== '' && CONTROL.test(text) && !/^Step \d+\/\d+ : /.test(this.buf)) this.flush();
    this.buf += text;
    let nl = this.buf.indexOf('\n');
    while (nl >= 0) {
      this.line(this.buf.slice(0, nl));
      this.buf = this.buf.slice(nl + 1);
      nl = this.buf.indexOf('\n');
    }
  }

  /** Emits a pending partial line (at the end of the stream, or before a control line). */
  flush(): void {
    if (this.buf === '') return;
    const rest = this.buf;
    this.buf = '';
    this.line(rest);
  }

  private line(l: string): void {
    let m: RegExpExecArray | null;
    if ((m = /^Step (\d+)\/(\d+) : (.*)$/.exec(l))) {
      this.running = false;
      this.emit({ type: 'step', n: Number(m[1]), total: Number(m[2]), text: m[3]! });
    } else if (l === ' ---> Using cache') this.emit({ type: 'cached' });
    else if ((m = /^ ---> Running in ([0-9a-f]+)$/.exec(l))) {
      this.running = true;
      this.emit({ type: 'running', container: m[1]! });
    } else if (/^Removing intermediate container [0-9a-f]+$/.test(l)) this.running = false;
    else if ((m = /^ ---> ([0-9a-f]*)$/.exec(l))) {
      this.running = false;
      this.emit({ type: 'done', id: m[1]! });
    } else if ((m = /^Successfully built ([0-9a-f]+)$/.exec(l))) this.emit({ type: 'built', id: m[1]! });
    else if ((m = /^Successfully tagged (.+)$/.exec(l))) this.emit({ type: 'tagged', name: m[1]! });
    else if (this.running) this.emit({ type: 'output', line: l });
    else if (l.trim() !== '') this.emit({ type: 'note', text: l });
  }
}
