/** `wharf commit` / `wharf container commit`: a new image from a container's changes. */
import type { Command } from 'commander';
import { repositoryName, parseNormalizedNamed, tagNameOnly } from '../../spec/reference.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { addDefaultTrueFlag, defineCommand, repeatable } from '../command-kit.js';
import { checkArgsRange } from '../containers/args-range.js';
import { containerCommand } from '../containers/container-command.js';

interface CommitFlags {
  author?: string;
  change: string[];
  message?: string;
  pause: boolean;
}

/** The client's reference handling: a fully qualified repository and a tag, never a digest. */
function splitReference(ref: string | undefined): { repo?: string; tag?: string } {
  if (!ref) return {};
  let named: ReturnType<typeof parseNormalizedNamed>;
  try {
    named = parseNormalizedNamed(ref);
  } catch (e) {
    throw new CliError((e as Error).message, { cause: e });
  }
  if (named.digest) throw new CliError('refusing to create a tag with a digest reference');
  const tagged = tagNameOnly(named);
  return { repo: repositoryName(tagged), tag: tagged.tag };
}

async function runCommit(ctx: CliContext, [container, ref]: string[], flags: CommitFlags): Promise<void> {
  const { repo, tag } = splitReference(ref);
  const res = await ctx.client().containers.commit(container, {
    repo,
    tag,
    comment: flags.message,
    author: flags.author,
    changes: flags.change,
    pause: flags.pause,
  });
  ctx.out(`${res.Id}\n`);
}

const USAGE = '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]';

function declare(parent: Command, ctx: CliContext): void {
  const cmd: Command = defineCommand<CommitFlags>(
    parent,
    { name: 'commit', usage: USAGE, description: "Create a new image from a container's changes", args: { min: 0 } },
    (args, flags) => {
      checkArgsRange(cmd, USAGE, args, 1, 2);
      return runCommit(ctx, args, flags);
    },
  );
  cmd
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .addOption(repeatable('-c, --change <list>', 'Apply Dockerfile instruction to the created image'))
    .option('-m, --message <string>', 'Commit message');
  addDefaultTrueFlag(cmd, '-p, --pause', 'Pause container during commit');
}

export function register(program: Command, ctx: CliContext): void {
  declare(program, ctx);
  declare(containerCommand(program), ctx);
}
