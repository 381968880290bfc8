/** `wharf logout`: forget the credentials of a registry. */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';

export function register(program: Command, ctx: CliContext): void {
  defineCommand(
    program,
    {
      name: 'logout',
      usage: '[SERVER]',
      description: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
      args: { max: 1 },
    },
    async (args) => {
      const { runLogout } = await import('../auth/login-flow.js');
      await runLogout(ctx, args[0]);
    },
  );
}
