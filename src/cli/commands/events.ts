/** `wharf events` / `wharf system events`: the daemon's events, from --since until --until (or forever). */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, filterOption, managementCommand, parseFilters } from '../command-kit.js';

interface EventsFlags {
  since?: string;
  until?: string;
  filter: string[];
  format?: string;
}

async function runEvents(ctx: CliContext, flags: EventsFlags): Promise<void> {
  const { parseDockerTemplate } = await import('../../lib/gotemplate/index.js');
  const { getTimestamp } = await import('../containers/timestamps.js');
  const { eventContext, prettyEvent } = await import('../containers/event-context.js');
  const { readEvents } = await import('../../client/events-api.js');
  let tmpl: ReturnType<typeof parseDockerTemplate> | undefined;
  if (flags.format) {
    try {
      tmpl = parseDockerTemplate(flags.format === 'json' ? '{{json .}}' : flags.format);
      // Run once on an empty message, so a bad field fails before any event is read.
      tmpl.execute(eventContext('{}', {}));
    } catch (e) {
      throw new CliError(`Error parsing format: ${(e as Error).message}`, { exitCode: 64, cause: e });
    }
  }
  const ts = (v?: string) => {
    if (!v) return undefined;
    try {
      return getTimestamp(v);
    } catch (e) {
      throw new CliError((e as Error).message, { cause: e });
    }
  };
  const res = await ctx.client().events.stream({ since: ts(flags.since), until: ts(flags.until), filters: parseFilters(flags.filter) });
  for await (const { raw, message } of readEvents(res)) {
    ctx.out(tmpl ? `${tmpl.execute(eventContext(raw, message))}\n` : prettyEvent(raw, message));
  }
}

function declare(parent: Command, ctx: CliContext): void {
  defineCommand<EventsFlags>(parent, { name: 'events', usage: '[OPTIONS]', description: 'Get real time events from the server', args: { none: true } }, (_args, flags) =>
    runEvents(ctx, flags),
  )
    .addOption(filterOption('-f, --filter <filter>', 'Filter output based on conditions provided'))
    .option('--format <string>', "Format output using a custom template: 'json' or a Go template")
    .option('--since <string>', 'Show all events created since timestamp')
    .option('--until <string>', 'Stream events until this timestamp');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(managementCommand(program, 'system', 'Manage Wharf'), ctx);
}
