import { invalidArgument } from '../../../errdefs/index.js';
import type { ContainerConfig, ImageConfig } from '../../../spec/engine/types.js';

/** Docker's default PATH for Linux containers (moby system.DefaultPathEnv). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where `--init` puts the init binary in the container (moby inContainerInitPath). */
export const CONTAINER_INIT_PATH = '/sbin/docker-init';

const envKey = (e: string) => {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
};

/**
 * Merges the image's config into the container's, as moby daemon.mergeAndVerifyConfig does at
 * create time (the result is what inspect shows as Config): the user's values win; env entries
 * of the image whose key the user did not set are appended; labels, exposed ports and volumes
 * are unioned; Cmd comes from the image only when the user gave neither Entrypoint nor Cmd;
 * an Entrypoint of `[""]` (`--entrypoint ""`) resets it. InvalidArgument `No command specified`
 * when nothing is left to run.
 */
export function mergeImageConfig(user: ContainerConfig, image: Partial<ImageConfig> | undefined): ContainerConfig {
  const c: ContainerConfig = { ...user };
  if (image) {
    if (!c.User) c.User = image.User ?? '';
    if (image.ExposedPorts) c.ExposedPorts = { ...image.ExposedPorts, ...(c.ExposedPorts ?? {}) };
    if (!c.Env?.length) c.Env = [...(image.Env ?? [])];
    else {
      const keys = new Set(c.Env.map(envKey));
      c.Env = [...c.Env, ...(image.Env ?? []).filter((e) => !keys.has(envKey(e)))];
    }
    c.Labels = { ...(image.Labels ?? {}), ...(c.Labels ?? {}) };
    if (!c.Entrypoint?.length) {
      if (!c.Cmd?.length) {
        c.Cmd = image.Cmd ?? [];
        c.ArgsEscaped = image.ArgsEscaped ?? null;
      }
      if (c.Entrypoint === undefined || c.Entrypoint === null) c.Entrypoint = image.Entrypoint ?? [];
    }
    if (image.Healthcheck) {
      // moby's merge: the image's check fills what the run's own leaves unset (`--health-interval` alone keeps the image's test).
      const u = c.Healthcheck;
      if (!u) c.Healthcheck = image.Healthcheck;
      else {
        const img = image.Healthcheck;
        c.Healthcheck = {
          ...u,
          Test: u.Test?.length ? u.Test : img.Test,
          Interval: u.Interval || img.Interval,
          Timeout: u.Timeout || img.Timeout,
          StartPeriod: u.StartPeriod || img.StartPeriod,
          Retries: u.Retries || img.Retries,
        };
      }
    }
    if (!c.WorkingDir) c.WorkingDir = image.WorkingDir ?? '';
    if (image.Volumes) c.Volumes = { ...image.Volumes, ...(c.Volumes ?? {}) };
    if (!c.StopSignal && image.StopSignal) c.StopSignal = image.StopSignal;
    if (!c.OnBuild && image.OnBuild) c.OnBuild = image.OnBuild;
  }
  if (c.Entrypoint?.length === 1 && c.Entrypoint[0] === '') c.Entrypoint = [];
  if (!c.Entrypoint?.length && !c.Cmd?.length) throw invalidArgument('No command specified');
  return c;
}

/**
 * Replaces entries of `defaults` by key with those of `overrides` and appends the rest; an
 * override without `=` removes the key (moby ReplaceOrAppendEnvValues).
 */
export function replaceOrAppendEnv(defaults: string[], overrides: readonly string[]): string[] {
  const out = [...defaults];
  for (const o of overrides) {
    const key = envKey(o);
    const i = out.findIndex((e) => envKey(e) === key);
    if (!o.includes('=')) {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = o;
    else out.push(o);
  }
  return out;
}

/**
 * The process env, as moby CreateDaemonEnvironment builds it: PATH default, HOSTNAME, TERM=xterm
 * for a tty, then the (merged) Config.Env replacing or adding entries.
 */
export function containerEnv(config: ContainerConfig, hostname: string): string[] {
  const base = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (config.Tty) base.push('TERM=xterm');
  return replaceOrAppendEnv(base, config.Env ?? []);
}

/**
 * The process args: Entrypoint followed by Cmd (or Cmd alone), behind `/sbin/docker-init --`
 * with `init` (moby getEntrypointAndArgs + the --init wrapping).
 */
export function processArgs(config: ContainerConfig, init: boolean): string[] {
  const args = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (args.length === 0) throw invalidArgument('No command specified');
  return init ? [CONTAINER_INIT_PATH, '--', ...args] : args;
}
