import type { CliContext } from './cli-context.js';

/**
 * docker's PromptForConfirmation: prints `MESSAGE [y/N] ` and reads one line from stdin; only
 * `y`/`Y` confirm. End of input counts as no.
 */
export async function confirm(ctx: CliContext, message: string): Promise<boolean> {
  ctx.out(`${message} [y/N] `);
  const stdin = ctx.io.stdin;
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl));
    };
    const finish = (s: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(s);
    };
    const onEnd = () => finish(buf);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
  const answer = line.trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
