import type { ContainerConfig, HostConfig } from '../../spec/engine/types.js';
import type { ImageRunConfig } from '../../spec/oci/image.js';
import { invalidArgument } from '../../errdefs/index.js';
import { shortId } from '../../lib/digest.js';
import type { RunInstruction } from '../parser/ast.js';
import { chompHeredocContent } from '../parser/index.js';
import type { BuildArgs } from './build-args.js';
import type { EvalContext } from './eval-context.js';
import { LayerWorkspace } from '../image/layer-workspace.js';
import { newContainerId } from './oci-runner.js';
import { runningIn, trimInitPaths } from './run-container.js';
import { prepareRunVolumes, type RunVolumes } from './run-volumes.js';
import { advanceTo, probe } from './step-commit.js';
import { copyRunConfig, type StageState, shellOf } from './stage-state.js';

/** The classic builder's refusal of BuildKit-only RUN flags. */
function requiresBuildKit(flag: string): never {
  throw invalidArgument(`the --${flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`);
}

/**
 * The command a RUN executes: exec form as written, shell form behind SHELL. A heredoc that is
 * the whole command runs its body in the shell; any other heredoc use is handed to the shell
 * as written, body included (BuildKit's rules). A `#!` body is run by its own interpreter.
 */
export function runCommandLine(ins: RunInstruction, config: ImageRunConfig): string[] {
  const c = ins.command;
  if (c.form === 'exec') return [...c.args];
  const shell = shellOf(config);
  if (ins.heredocs.length === 0) return [...shell, c.command];
  const body = (h: RunInstruction['heredocs'][number]) => (h.chomp ? chompHeredocContent(h.content) : h.content);
  const first = ins.heredocs[0]!;
  if (ins.heredocs.length === 1 && /^\d*<<-?\S+$/.test(c.command.trim())) {
    const script = body(first);
    if (!script.startsWith('#!')) return [...shell, script];
    // A script with its own interpreter: written to a temp file the shell runs and removes.
    const tag = 'WHARF_HEREDOC_EOF';
    return [...shell, `f=$(mktemp) && cat > "$f" <<'${tag}'\n${script}${tag}\nchmod +x "$f" && "$f"; s=$?; rm -f "$f"; exit $s`];
  }
  let full = c.command;
  for (const h of ins.heredocs) full += `\n${body(h)}${h.name}`;
  return [...shell, full];
}

/** moby prependEnvOnCmd: `|N K=v … cmd` (builtin proxy args not declared by ARG left out). */
function prependEnvOnCmd(args: BuildArgs, vars: string[], cmd: string[]): string[] {
  const kept = vars.filter((v) => args.isReferencedOrNotBuiltin(v.split('=')[0]!)).sort();
  return [`|${kept.length}`, ...kept, ...cmd];
}

function hostConfig(ctx: EvalContext, network: string | undefined): HostConfig {
  const o = ctx.opts;
  const h: HostConfig = { LogConfig: { Type: 'none', Config: {} }, NetworkMode: network || o.networkMode || 'default' };
  if (o.shmSize) h.ShmSize = o.shmSize;
  if (o.memory) h.Memory = o.memory;
  if (o.memorySwap) h.MemorySwap = o.memorySwap;
  if (o.cpuShares) h.CpuShares = o.cpuShares;
  if (o.cpuSetCpus) h.CpusetCpus = o.cpuSetCpus;
  if (o.extraHosts?.length) h.ExtraHosts = o.extraHosts;
  return h;
}

/**
 * RUN (moby dispatchRun): probe the cache with the command (build args prepended), else run it
 * in a container on the current image — the config's env plus the allowed build args, its user
 * and working dir, no entrypoint, no healthcheck — and commit the container's changes (its
 * snapshot's upper dir) as a layer. The container is gone when the step ends, failed or not.
 */
export async function dispatchRun(ctx: EvalContext, s: StageState, ins: RunInstruction): Promise<void> {
  if (ins.mounts.length > 0) requiresBuildKit('mount');
  if (ins.security !== undefined) requiresBuildKit('security');
  const network = ins.network;
  if (network !== undefined && !['default', 'none', 'host'].includes(network)) throw invalidArgument(`unsupported network mode "${network}"`);
  const cmd = runCommandLine(ins, s.runConfig);
  const buildArgs = s.buildArgs.filterAllowed(s.runConfig.Env ?? []);
  const saveCmd = buildArgs.length > 0 ? prependEnvOnCmd(s.buildArgs, buildArgs, cmd) : cmd;
  const probeConfig = copyRunConfig(s.runConfig, { Cmd: saveCmd, ArgsEscaped: false });
  probeConfig.Entrypoint = null;
  if (await probe(ctx, s, probeConfig)) return;
  const runConfig = copyRunConfig(s.runConfig, { Cmd: cmd, Env: [...(s.runConfig.Env ?? []), ...buildArgs], Entrypoint: null, ArgsEscaped: false });
  delete runConfig.Healthcheck;
  const id = newContainerId();
  ctx.out.stream(runningIn(id));
  const ws = await LayerWorkspace.open(ctx.images.snapshots, s.parent.record?.layers.at(-1)?.chainID, ctx.scratchDir, ctx.shell);
  let volumes: RunVolumes | undefined;
  try {
    volumes = await prepareRunVolumes(ws.root, runConfig.Volumes, ctx.scratchDir);
    const spec = { id, rootfs: ws.root, config: runConfig as ContainerConfig, hostConfig: hostConfig(ctx, network), mounts: volumes.mounts };
    await ctx.runner.run({ ...spec, write: (t) => ctx.out.stream(t), signal: ctx.signal });
    await volumes.dispose();
    await ws.release();
    await trimInitPaths(ctx.images.snapshots, ws.key);
  } catch (err) {
    await volumes?.dispose();
    await ws.discard();
    // The runtime deleted the container; Docker says so only when it removes even failed ones.
    if (ctx.opts.forceRemove) ctx.out.stream(`Removing intermediate container ${shortId(id)}\n`);
    throw err;
  }
  const step = await ctx.committer.commit({
    parent: s.parent,
    config: copyRunConfig(s.runConfig),
    containerConfig: { ...probeConfig, Hostname: shortId(id) },
    containerId: id,
    author: s.maintainer,
    snapshotKey: ws.key,
  });
  if (ctx.opts.remove || ctx.opts.forceRemove) ctx.out.stream(`Removing intermediate container ${shortId(id)}\n`);
  advanceTo(s, step);
}
