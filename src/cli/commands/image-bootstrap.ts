/**
 * `wharf image bootstrap busybox|debian[:SUITE]`: make a base image locally — Docker Hub cannot
 * be reached — and load it into the daemon (or write it to a file with -o). Prints the image ID
 * on stdout like `docker import`; progress of the slow Debian path goes to stderr.
 */
import type { Command } from 'commander';
import type { ImageLoader } from '../../services/bootstrap/image-loader.js';
import type { CliContext } from '../cli-context.js';
import { defineCommand, managementCommand } from '../command-kit.js';

interface BootstrapFlags {
  tag?: string;
  output?: string;
  mirror?: string;
  cacheDir?: string;
}

/** Loads through the daemon's `POST /images/load`, failing on the stream's error line. */
function daemonLoader(ctx: CliContext): ImageLoader {
  return {
    async load(archive) {
      const { consumeJSONMessages } = await import('../../client/json-messages.js');
      const res = await ctx.client().images.load(archive, { quiet: true });
      await consumeJSONMessages(res);
    },
  };
}

async function runBootstrap(ctx: CliContext, name: string, flags: BootstrapFlags): Promise<void> {
  // Loaded here, not at the top: registering every command must stay cheap at start-up.
  const { bootstrapImage } = await import('../../services/bootstrap/bootstrap-image.js');
  const { fileImageLoader } = await import('../../services/bootstrap/image-loader.js');
  // Fail fast on an unreachable daemon, before a minute of debootstrap.
  if (!flags.output) await ctx.client().ping();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  try {
    const result = await bootstrapImage(name, {
      loader: flags.output ? fileImageLoader(flags.output) : daemonLoader(ctx),
      tag: flags.tag,
      mirror: flags.mirror,
      cacheDir: flags.cacheDir,
      env: ctx.io.env,
      signal: abort.signal,
      progress: (line) => ctx.err(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`),
    });
    ctx.out(`${result.id}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = defineCommand<BootstrapFlags>(
    managementCommand(program, 'image', 'Manage images'),
    {
      name: 'bootstrap',
      usage: '[OPTIONS] busybox|debian[:SUITE]',
      description: "Make a base image without a registry: busybox from the host's busybox-static, debian:SUITE with debootstrap",
      args: { exactly: 1 },
    },
    (args, flags) => runBootstrap(ctx, args[0]!, flags),
  );
  cmd
    .option('-t, --tag <string>', 'Name the image (default "busybox:latest" or "debian:SUITE")')
    .option('-o, --output <string>', 'Write the image to a tar archive (as "docker save" does) instead of loading it')
    .option('--mirror <string>', 'Debian mirror for debootstrap (default: the Debian archive in /etc/apt/sources.list*)')
    .option('--cache-dir <string>', 'Keep the downloaded Debian packages in this directory and reuse them next time');
}
