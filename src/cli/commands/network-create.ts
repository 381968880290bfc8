/** `wharf network create`: a user-defined bridge network, like `docker network create`. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { defineCommand, repeatable } from '../command-kit.js';
import { networkCommand, networksOf } from './network-command.js';

interface CreateFlags {
  driver: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  internal?: boolean;
  attachable?: boolean;
  label: string[];
  opt: string[];
  ipamDriver: string;
}

/** `k=v` flags as a map (`k` alone maps to ''). */
function keyValues(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((v) => (v.includes('=') ? [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] : [v, ''])));
}

/** docker's consolidateIpam: the n-th gateway and range go with the n-th subnet. */
function ipamPools(f: CreateFlags): Array<{ Subnet?: string; IPRange?: string; Gateway?: string }> {
  if ((f.gateway.length || f.ipRange.length) && !f.subnet.length) throw new CliError('every ip-range or gateway must have a corresponding subnet');
  return f.subnet.map((Subnet, i) => ({ Subnet, ...(f.ipRange[i] ? { IPRange: f.ipRange[i] } : {}), ...(f.gateway[i] ? { Gateway: f.gateway[i] } : {}) }));
}

async function runCreate(ctx: CliContext, name: string, f: CreateFlags): Promise<void> {
  const res = await networksOf(ctx).create({
    Name: name,
    CheckDuplicate: true,
    Driver: f.driver,
    Internal: Boolean(f.internal),
    Attachable: Boolean(f.attachable),
    IPAM: { Driver: f.ipamDriver, Options: {}, Config: ipamPools(f) },
    Options: keyValues(f.opt),
    Labels: keyValues(f.label),
  });
  if (res.Warning) ctx.err(`${res.Warning}\n`);
  ctx.out(`${res.Id}\n`);
}

export function register(program: Command, ctx: CliContext): void {
  defineCommand<CreateFlags>(
    networkCommand(program),
    { name: 'create', usage: '[OPTIONS] NETWORK', description: 'Create a network', args: { exactly: 1 } },
    ([name], f) => runCreate(ctx, name!, f),
  )
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .addOption(repeatable('--subnet <strings>', 'Subnet in CIDR format that represents a network segment'))
    .addOption(repeatable('--gateway <strings>', 'IPv4 Gateway for the master subnet'))
    .addOption(repeatable('--ip-range <strings>', 'Allocate container ip from a sub-range'))
    .option('--internal', 'Restrict external access to the network')
    .option('--attachable', 'Enable manual container attachment')
    .addOption(repeatable('--label <list>', 'Set metadata on a network'))
    .addOption(repeatable('-o, --opt <map>', 'Set driver specific options'))
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default');
}
