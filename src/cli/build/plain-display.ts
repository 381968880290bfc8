import { type BuildProgress, type ProgressListener, seconds, type StepView } from './build-progress.js';

/**
 * BuildKit's `--progress plain` layout, for logs and CI: each step a numbered block
 * (`#3 [2/4] RUN make`), its output lines with the time since the step started, then
 * `#3 CACHED` or `#3 DONE 1.2s`. Written line by line, never redrawn.
 */
export class PlainDisplay implements ProgressListener {
  private readonly ids = new Map<StepView, number>();

  constructor(
    private readonly write: (s: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  private id(step: StepView): number {
    let id = this.ids.get(step);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(step, id);
    }
    return id;
  }

  stepStarted(step: StepView): void {
    if (this.ids.size > 0) this.write('\n');
    this.write(`#${this.id(step)} ${step.label}\n`);
  }

  stepOutput(step: StepView, line: string): void {
    this.write(`#${this.id(step)} ${((this.now() - step.started) / 1000).toFixed(3)} ${line}\n`);
  }

  stepEnded(step: StepView): void {
    const id = this.id(step);
    if (step.status === 'cached') this.write(`#${id} CACHED\n`);
    else this.write(`#${id} DONE ${seconds((step.ended ?? this.now()) - step.started)}\n`);
  }

  note(text: string): void {
    this.write(`${text}\n`);
  }

  /** The closing block: the image written and its names. */
  finish(p: BuildProgress): void {
    const id = this.ids.size + 1;
    this.write(`\n#${id} exporting to image\n#${id} writing image ${p.imageId} done\n`);
    for (const t of p.tags) this.write(`#${id} naming to ${t} done\n`);
    this.write(`#${id} DONE 0.0s\n`);
  }

  /** The failing step's end and the error. */
  failed(step: StepView | undefined, message: string): void {
    if (step) this.write(`#${this.id(step)} ERROR: ${message}\n`);
  }
}
