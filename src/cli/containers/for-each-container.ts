import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';

export interface ForEachOptions {
  /** Run the operations concurrently (docker's parallelOperation, at most 50 at a time). */
  parallel?: boolean;
  /** Errors to report on stderr without failing the command (`rm -f` of a missing container). */
  tolerate?: (err: unknown) => boolean;
}

/**
 * Applies `op` to each named container the way docker's stop/kill/rm/pause do: the name is
 * printed on stdout for each success, in argument order; failures are collected and thrown
 * together (one line each, exit status 1) after all have run.
 */
export async function forEachContainer(ctx: CliContext, names: readonly string[], op: (name: string) => Promise<void>, opts: ForEachOptions = {}): Promise<void> {
  const results: Array<Promise<unknown>> = [];
  if (opts.parallel) {
    const limit = 50;
    let next = 0;
    const settled = new Array<Promise<unknown>>(names.length);
    const worker = async () => {
      while (next < names.length) {
        const i = next++;
        settled[i] = op(names[i]).then(
          () => undefined,
          (e: unknown) => ({ error: e }),
        );
        await settled[i];
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, names.length) }, worker));
    results.push(...settled);
  }
  const errors: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const r = opts.parallel ? await results[i] : await op(names[i]).then(() => undefined, (e: unknown) => ({ error: e }));
    const err = (r as { error?: unknown } | undefined)?.error;
    if (r === undefined) ctx.out(`${names[i]}\n`);
    else if (opts.tolerate?.(err)) ctx.err(`${errorText(err)}\n`);
    else errors.push(errorText(err));
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}
