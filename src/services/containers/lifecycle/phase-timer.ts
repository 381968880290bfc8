/**
 * Wall-clock phases of one lifecycle operation (start, exit, removal) for the daemon's debug log:
 * where the milliseconds of a `docker run --rm` go. Sequential phases are `mark`ed; work that runs
 * concurrently with others is wrapped in `time` and reported under its own name.
 */
export class PhaseTimer {
  private readonly t0 = performance.now();
  private last = this.t0;
  private readonly phases: Record<string, number> = {};

  /** Ends the sequential phase `name` (the time since the previous mark). */
  mark(name: string): void {
    const now = performance.now();
    this.phases[name] = round(now - this.last);
    this.last = now;
  }

  /** Awaits `work`, recording its own duration as `name` (for concurrent pieces). */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.phases[name] = round(performance.now() - t);
    }
  }

  /** The phases in ms, plus `totalMs` since the timer was made; for a log line's fields. */
  fields(): Record<string, number> {
    return { ...this.phases, totalMs: round(performance.now() - this.t0) };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
