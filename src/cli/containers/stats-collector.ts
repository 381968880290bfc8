/**
 * docker's stats collection: one `GET /containers/{id}/stats` per container (a single sample
 * with --no-stream, a stream otherwise), each kept as the latest row; a container that sends
 * nothing for 2 s shows `--`.
 */
import type { ContainersApi } from '../../client/containers-api.js';
import { emptyEntry, entryFromSample, type StatsEntry, type StatsSample } from './stats-context.js';

/** The latest statistics of one container. */
export class ContainerStats {
  entry: StatsEntry;
  error?: unknown;
  private readonly abort = new AbortController();

  constructor(readonly container: string) {
    this.entry = emptyEntry(container);
  }

  /**
   * Starts collecting; resolves once the first sample (or an error, or the 2 s timeout) is in,
   * as docker's waitFirst does. Streaming continues in the background until stop().
   */
  start(api: ContainersApi, stream: boolean): Promise<void> {
    return new Promise<void>((resolveFirst) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.entry = { ...emptyEntry(this.container, true), name: this.entry.name, id: this.entry.id };
          this.error = new Error('timeout waiting for stats');
          resolveFirst();
          if (stream) arm();
        }, 2000);
      };
      void (async () => {
        try {
          const res = await api.stats(this.container, { stream, signal: this.abort.signal });
          // As in docker, the 2 s allowance starts once the daemon has answered.
          arm();
          let buf = '';
          for await (const chunk of res) {
            buf += (chunk as Buffer).toString('utf8');
            let nl = buf.indexOf('\n');
            while (nl >= 0) {
              this.take(buf.slice(0, nl));
              buf = buf.slice(nl + 1);
              nl = buf.indexOf('\n');
              arm();
              resolveFirst();
              if (!stream) break;
            }
            if (!stream && this.error === undefined && this.entry.id) break;
          }
          if (buf.trim()) this.take(buf);
        } catch (e) {
          if (!this.abort.signal.aborted) {
            this.error = e;
            this.entry.isInvalid = true;
          }
        } finally {
          clearTimeout(timer);
          resolveFirst();
        }
      })();
    });
  }

  private take(line: string): void {
    if (!line.trim()) return;
    this.entry = entryFromSample(this.container, JSON.parse(line) as StatsSample);
    this.error = undefined;
  }

  stop(): void {
    this.abort.abort();
  }
}
