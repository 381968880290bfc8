/** `wharf build` (and `wharf image build`): build an image from a Dockerfile. */
import { type Command, Option } from 'commander';
import type { CliContext } from '../cli-context.js';
import { addDefaultTrueFlag, defineCommand, managementCommand, repeatable } from '../command-kit.js';
import type { BuildFlags } from '../build/run-build.js';

function declare(parent: Command, name: string, ctx: CliContext): void {
  const cmd = defineCommand<BuildFlags>(
    parent,
    { name, usage: '[OPTIONS] PATH | -', description: 'Build an image from a Dockerfile', args: { exactly: 1 } },
    async (args, opts) => {
      const { runBuild } = await import('../build/run-build.js');
      await runBuild(ctx, args[0]!, opts);
    },
  )
    .addOption(repeatable('-t, --tag <name>', 'Name and optionally a tag in the "name:tag" format'))
    .option('-f, --file <string>', "Name of the Dockerfile (Default is 'PATH/Dockerfile')")
    .addOption(repeatable('--build-arg <list>', 'Set build-time variables'))
    .option('--target <string>', 'Set the target build stage to build.')
    .addOption(new Option('--no-cache', 'Do not use cache when building the image'))
    .addOption(repeatable('--label <list>', 'Set metadata for an image'))
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--iidfile <string>', 'Write the image ID to the file')
    .addOption(new Option('--progress <string>', 'Set type of progress output (auto, plain, tty)').default('auto'))
    .option('--network <string>', 'Set the networking mode for the RUN instructions during build')
    .option('--platform <string>', 'Set platform if server is multi-platform capable')
    .option('--pull', 'Always attempt to pull a newer version of the image')
    .option('--force-rm', 'Always remove intermediate containers')
    .addOption(repeatable('--cache-from <strings>', 'Images to consider as cache sources'));
  addDefaultTrueFlag(cmd, '--rm', 'Remove intermediate containers after a successful build');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, 'build', ctx);
  declare(managementCommand(program, 'image', 'Manage images'), 'build', ctx);
}
