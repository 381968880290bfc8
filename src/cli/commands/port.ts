/** `wharf port` / `wharf container port`: the host addresses a container's ports are published on. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command-kit.js';
import { checkArgsRange } from '../containers/args-range.js';
import { containerCommand } from '../containers/container-command.js';
import { naturalCompare } from '../containers/natural-less.js';
import { goParseInt } from '../run/go-parse.js';

type PortMap = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
const joinHostPort = (host: string, port: string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

async function runPort(ctx: CliContext, [container, portArg]: string[]): Promise<void> {
  const c = await ctx.client().containers.inspect(container);
  const ports = ((c.NetworkSettings as { Ports?: PortMap } | undefined)?.Ports ?? {}) as PortMap;
  const out: string[] = [];
  if (portArg !== undefined) {
    const slash = portArg.indexOf('/');
    const port = slash < 0 ? portArg : portArg.slice(0, slash);
    const proto = (slash < 0 ? '' : portArg.slice(slash + 1)) || 'tcp';
    try {
      goParseInt(port, 10, 16, 'ParseUint');
    } catch (e) {
      throw new CliError(`Error: invalid port (${port}): ${(e as Error).message}`);
    }
    const frontends = ports[`${port}/${proto}`];
    if (!frontends?.length) throw new CliError(`Error: No public port '${portArg}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp ?? '', f.HostPort ?? ''));
  } else {
    for (const [from, frontends] of Object.entries(ports)) {
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp ?? '', f.HostPort ?? '')}`);
    }
  }
  if (out.length) ctx.out(`${out.sort(naturalCompare).join('\n')}\n`);
}

const USAGE = 'CONTAINER [PRIVATE_PORT[/PROTO]]';

function declare(parent: Command, ctx: CliContext): void {
  const cmd: Command = defineCommand(
    parent,
    { name: 'port', usage: USAGE, description: 'List port mappings or a specific mapping for the container', args: { min: 0 } },
    (args) => {
      checkArgsRange(cmd, USAGE, args, 1, 2);
      return runPort(ctx, args);
    },
  );
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
