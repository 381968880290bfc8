import type { BuildEvent } from './build-events.js';

/** One step as the progress displays show it. */
export interface StepView {
  /** `[2/5] RUN echo hi`. */
  label: string;
  status: 'running' | 'cached' | 'done' | 'error';
  started: number;
  ended?: number;
  /** Every line the step printed (RUN output, notes). */
  output: string[];
}

/** What a display is told as the build goes. */
export interface ProgressListener {
  stepStarted(step: StepView): void;
  stepOutput(step: StepView, line: string): void;
  stepEnded(step: StepView): void;
  note(text: string): void;
}

/**
 * The build's state, from the stream's events: the steps with their status, timing and output,
 * the result and the tags. Shared by the TTY and plain displays.
 */
export class BuildProgress {
  readonly steps: StepView[] = [];
  readonly tags: string[] = [];
  readonly started: number;
  imageId = '';

  constructor(
    private readonly listener: ProgressListener,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  get current(): StepView | undefined {
    const last = this.steps.at(-1);
    return last && (last.status === 'running' || last.status === 'error') ? last : undefined;
  }

  on(e: BuildEvent): void {
    const cur = this.current;
    switch (e.type) {
      case 'step':
        if (cur) this.end(cur, 'done');
        this.steps.push({ label: `[${e.n}/${e.total}] ${e.text}`, status: 'running', started: this.now(), output: [] });
        this.listener.stepStarted(this.steps.at(-1)!);
        return;
      case 'cached':
        if (cur) this.end(cur, 'cached');
        return;
      case 'done':
        if (cur) this.end(cur, 'done');
        return;
      case 'output':
      case 'note': {
        const line = e.type === 'output' ? e.line : e.text;
        if (cur) {
          cur.output.push(line);
          this.listener.stepOutput(cur, line);
        } else this.listener.note(line);
        return;
      }
      case 'built':
        return;
      case 'tagged':
        this.tags.push(e.name);
        return;
      case 'running':
        return;
    }
  }

  /** Marks the running step failed (the stream's error line). */
  fail(): StepView | undefined {
    const cur = this.current;
    if (cur) {
      cur.status = 'error';
      cur.ended = this.now();
    }
    return cur;
  }

  private end(step: StepView, status: 'cached' | 'done'): void {
    step.status = status;
    step.ended = this.now();
    this.listener.stepEnded(step);
  }
}

/** Seconds with one decimal, as BuildKit prints durations. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
