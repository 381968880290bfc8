/** `wharf stats` / `wharf container stats`: containers' resource usage, live or as one sample. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { containerCommand } from '../containers/container-command.js';
import type { ContainerStats } from '../containers/stats-collector.js';

interface StatsFlags {
  all?: boolean;
  stream: boolean;
  trunc: boolean;
  format?: string;
}

/** Keeps the collectors of all (running) containers current from container events. */
async function followContainers(ctx: CliContext, flags: StatsFlags, add: (id: string) => void, remove: (id: string) => void, signal: AbortSignal): Promise<void> {
  const { readEvents } = await import('../../client/events-api.js');
  const res = await ctx.client().events.stream({ filters: { type: ['container'] }, signal });
  void (async () => {
    try {
      for await (const { message: e } of readEvents(res)) {
        const id = e.Actor?.ID;
        if (!id) continue;
        if (e.Action === 'start' || (flags.all && e.Action === 'create')) add(id);
        else if (e.Action === 'die' && !flags.all) remove(id);
      }
    } catch {
      // The stream ends with the command.
    }
  })();
}

async function runStats(ctx: CliContext, names: string[], flags: StatsFlags): Promise<void> {
  const { ContainerStats } = await import('../containers/stats-collector.js');
  const { DEFAULT_STATS_TABLE, STATS_HEADER, StatsContext } = await import('../containers/stats-context.js');
  const { renderRows } = await import('../format/formatter.js');
  const api = ctx.client().containers;
  const collectors: ContainerStats[] = [];
  const abort = new AbortController();
  const add = (c: string) => {
    if (collectors.some((x) => x.container === c)) return undefined;
    const s = new ContainerStats(c);
    collectors.push(s);
    return s.start(api, flags.stream);
  };
  const remove = (c: string) => {
    const i = collectors.findIndex((x) => x.container === c);
    if (i >= 0) collectors.splice(i, 1)[0].stop();
  };
  try {
    const showAll = names.length === 0;
    if (showAll) {
      if (flags.stream) await followContainers(ctx, flags, add, remove, abort.signal);
      const list = await api.list({ all: flags.all });
      await Promise.all(list.map((c) => add(c.Id ?? '')));
    } else {
      await Promise.all(names.map(add));
      const errors = collectors.filter((c) => c.error !== undefined).map((c) => errorText(c.error));
      if (errors.length) throw new CliError(errors.join('\n'));
    }
    const format = !flags.format || flags.format === 'table' ? DEFAULT_STATS_TABLE : flags.format;
    const render = () => renderRows(format, collectors.map((c) => new StatsContext(c.entry, flags.trunc)), STATS_HEADER);
    if (!flags.stream) {
      if (collectors.length) ctx.out(render());
      return;
    }
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const lines = render().split('\n');
      ctx.out(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\x1b[J`);
      if (collectors.length === 0 && !showAll) return;
    }
  } finally {
    abort.abort();
    for (const c of collectors) c.stop();
  }
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<StatsFlags>(
    parent,
    { name: 'stats', usage: '[OPTIONS] [CONTAINER...]', description: "Display a live stream of container(s) resource usage statistics", args: { min: 0 } },
    (args, flags) => runStats(ctx, args, flags),
  )
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('--format <string>', "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template")
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--no-trunc', 'Do not truncate output');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
