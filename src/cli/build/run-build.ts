import { promises as fs } from 'node:fs';
import { BuildApi } from '../../client/build-api.js';
import { registryConfigHeader } from '../auth/registry-auth.js';
import { JSONMessageError, messageError, readJSONMessages } from '../../client/json-messages.js';
import type { CliContext } from '../cli-context.js';
import { CliError } from '../cli-error.js';
import { BuildStreamParser } from './build-events.js';
import { BuildProgress, type ProgressListener } from './build-progress.js';
import { prepareContext } from './build-context.js';
import { PlainDisplay } from './plain-display.js';
import { TtyDisplay } from './tty-display.js';

/** `wharf build` flags. */
export interface BuildFlags {
  tag: string[];
  file?: string;
  buildArg: string[];
  target?: string;
  cache: boolean;
  label: string[];
  quiet?: boolean;
  iidfile?: string;
  progress: string;
  network?: string;
  platform?: string;
  pull?: boolean;
  rm: boolean;
  forceRm?: boolean;
  cacheFrom: string[];
}

/** `--build-arg K=V`; a bare `K` takes the value from the environment, else is sent without one (docker/cli). */
export function parseBuildArgs(values: readonly string[], env: NodeJS.ProcessEnv): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i >= 0) out[v.slice(0, i)] = v.slice(i + 1);
    else out[v] = env[v] ?? null;
  }
  return out;
}

/** `--label k=v` (a bare `k` is an empty value). */
export function parseLabels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    out[i >= 0 ? v.slice(0, i) : v] = i >= 0 ? v.slice(i + 1) : '';
  }
  return out;
}

type Mode = 'quiet' | 'tty' | 'plain';

function displayMode(ctx: CliContext, f: BuildFlags): Mode {
  if (f.quiet) return 'quiet';
  if (!['auto', 'tty', 'plain'].includes(f.progress)) throw new CliError(`invalid progress mode ${JSON.stringify(f.progress)}: use auto, tty or plain`);
  if (f.progress === 'auto') return (ctx.io.stderr as { isTTY?: boolean }).isTTY ? 'tty' : 'plain';
  return f.progress as Mode;
}

/**
 * Sends the context to `POST /build` and shows the build: BuildKit-style progress on stderr (a
 * redrawn frame on a terminal, numbered plain lines otherwise), or only the image ID with `-q`.
 * A failed RUN exits with the command's own exit code, as `docker build` does.
 */
export async function runBuild(ctx: CliContext, contextArg: string, f: BuildFlags): Promise<void> {
  const mode = displayMode(ctx, f);
  if (f.iidfile) await fs.rm(f.iidfile, { force: true });
  const packed = await prepareContext(contextArg, f.file, ctx.io.stdin);
  const err = (s: string) => ctx.err(s);
  const plain = mode === 'plain' ? new PlainDisplay(err) : undefined;
  const tty = mode === 'tty' ? new TtyDisplay(err, () => (ctx.io.stderr as { columns?: number }).columns ?? ctx.columns()) : undefined;
  const silent: ProgressListener = { stepStarted() {}, stepOutput() {}, stepEnded() {}, note() {} };
  const progress = new BuildProgress(plain ?? tty ?? silent);
  const parser = new BuildStreamParser((e) => progress.on(e));
  let quietText = '';
  const res = await new BuildApi(ctx.client()).build(packed.tar, {
    tags: f.tag,
    dockerfile: packed.dockerfile,
    buildArgs: parseBuildArgs(f.buildArg, ctx.io.env),
    target: f.target,
    noCache: !f.cache,
    labels: parseLabels(f.label),
    quiet: mode === 'quiet',
    remove: f.rm,
    forceRemove: f.forceRm,
    pull: f.pull,
    cacheFrom: f.cacheFrom,
    networkMode: f.network,
    platform: f.platform,
    registryConfig: await registryConfigHeader(ctx.io.env),
  });
  tty?.start(progress);
  try {
    for await (const m of readJSONMessages(res)) {
      const e = messageError(m);
      if (e) throw e;
      if (m.stream !== undefined) {
        if (mode === 'quiet') quietText += m.stream;
        else parser.push(m.stream);
      } else if (m.status !== undefined && mode !== 'quiet' && !m.progressDetail?.total) {
        // A FROM's pull: its status lines (not the per-chunk progress) show under the step.
        parser.push(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
      }
      const aux = m.aux as { ID?: string } | undefined;
      if (aux?.ID) progress.imageId = aux.ID;
    }
  } catch (e) {
    parser.flush();
    const step = progress.fail();
    tty?.stop(step);
    if (plain && e instanceof Error) plain.failed(step, e.message);
    if (mode === 'quiet') ctx.err(quietText);
    if (e instanceof JSONMessageError) throw new CliError(e.message, { exitCode: e.code || 1, cause: e });
    throw e;
  }
  parser.flush();
  if (mode === 'quiet') progress.imageId ||= quietText.trim();
  tty?.stop();
  plain?.finish(progress);
  if (mode === 'quiet') ctx.out(`${progress.imageId}\n`);
  if (f.iidfile) await fs.writeFile(f.iidfile, progress.imageId);
}
