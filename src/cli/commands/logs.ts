/** `wharf logs` / `wharf container logs`: a container's output, from its log driver. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';

interface LogsFlags {
  follow?: boolean;
  since?: string;
  until?: string;
  timestamps?: boolean;
  details?: boolean;
  tail: string;
}

async function runLogs(ctx: CliContext, name: string, flags: LogsFlags): Promise<void> {
  const { getTimestamp } = await import('../containers/timestamps.js');
  const { demuxStream } = await import('../../client/stdcopy.js');
  const client = ctx.client();
  const c = await client.containers.inspect(name);
  // The client library converts --since/--until, after the inspect: a missing container wins.
  const ts = (v: string | undefined, what: string) => {
    if (!v) return undefined;
    try {
      return getTimestamp(v);
    } catch (e) {
      throw new CliError(`invalid value for "${what}": ${(e as Error).message}`);
    }
  };
  const res = await client.containers.logs(c.Id ?? name, {
    stdout: true,
    stderr: true,
    since: ts(flags.since, 'since'),
    until: ts(flags.until, 'until'),
    timestamps: flags.timestamps,
    follow: flags.follow,
    tail: flags.tail,
    details: flags.details,
  });
  if (c.Config?.Tty) {
    for await (const chunk of res) ctx.io.stdout.write(chunk as Buffer);
    return;
  }
  await demuxStream(res, ctx.io.stdout, ctx.io.stderr);
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<LogsFlags>(
    parent,
    { name: 'logs', usage: '[OPTIONS] CONTAINER', description: 'Fetch the logs of a container', args: { exactly: 1 } },
    (args, flags) => runLogs(ctx, args[0], flags),
  )
    .option('--details', 'Show extra details provided to logs')
    .option('-f, --follow', 'Follow log output')
    .option('--since <string>', 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)')
    .option('-n, --tail <string>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--until <string>', 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
