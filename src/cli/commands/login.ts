/** `wharf login`: log in to a registry (credentials shared with the docker CLI's config.json). */
import type { Command } from 'commander';
import type { LoginOptions } from '../auth/login-flow.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand } from '../command-kit.js';

export function register(program: Command, ctx: CliContext): void {
  defineCommand<LoginOptions>(
    program,
    {
      name: 'login',
      usage: '[OPTIONS] [SERVER]',
      description: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
      args: { max: 1 },
    },
    async (args, opts) => {
      const { runLogin } = await import('../auth/login-flow.js');
      await runLogin(ctx, args[0], opts);
    },
  )
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .option('-u, --username <string>', 'Username');
}
