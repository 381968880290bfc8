import path from 'node:path';
import { invalidArgument } from '../../errdefs/index.js';
import type { HealthConfig, ImageRunConfig } from '../../spec/oci/image.js';
import { expandWord, parseJSONArray, parseNameValues, shellWords } from './shell-words.js';

/** The instructions `docker import --change` and `docker commit --change` accept. */
const VALID = new Set(['cmd', 'entrypoint', 'healthcheck', 'env', 'expose', 'label', 'onbuild', 'user', 'volume', 'workdir', 'stopsignal']);
const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Splits change lines into instructions, joining `\` continuations and skipping comments. */
function instructions(changes: readonly string[]): Array<{ keyword: string; args: string }> {
  const lines = changes.join('\n').split('\n');
  const out: Array<{ keyword: string; args: string }> = [];
  let pending = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) out.push({ keyword: m[1]!.toLowerCase(), args: m[2]! });
  }
  if (pending.trim() !== '') {
    const m = /^(\S+)\s*(.*)$/s.exec(pending.trim());
    if (m) out.push({ keyword: m[1]!.toLowerCase(), args: m[2]! });
  }
  return out;
}

/** CMD/ENTRYPOINT arguments: exec form as given, shell form through `/bin/sh -c` (or SHELL). */
function commandForm(args: string, shell: string[]): string[] {
  return parseJSONArray(args) ?? [...shell, args.trim()];
}

/** Go's time.ParseDuration for the units Dockerfiles use; returns nanoseconds. */
function parseDuration(s: string, flag: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const scale: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * scale[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) throw invalidArgument(`time: invalid duration "${s}" for --${flag}`);
  return Math.round(total);
}

function healthcheck(args: string): HealthConfig {
  const words = args.trim();
  if (/^none$/i.test(words)) return { Test: ['NONE'] };
  const hc: HealthConfig = {};
  let rest = words;
  for (let m = /^--(\w[\w-]*)=(\S*)\s*/.exec(rest); m; m = /^--(\w[\w-]*)=(\S*)\s*/.exec(rest)) {
    const [, name, value] = m;
    if (name === 'interval') hc.Interval = parseDuration(value!, name);
    else if (name === 'timeout') hc.Timeout = parseDuration(value!, name);
    else if (name === 'start-period') hc.StartPeriod = parseDuration(value!, name);
    else if (name === 'start-interval') hc.StartInterval = parseDuration(value!, name);
    else if (name === 'retries') hc.Retries = Number.parseInt(value!, 10);
    else throw invalidArgument(`Unknown flag: ${name}`);
    rest = rest.slice(m[0].length);
  }
  const cm = /^(\S+)\s*(.*)$/s.exec(rest);
  if (!cm || cm[1]!.toUpperCase() !== 'CMD') throw invalidArgument(`Unknown type "${cm?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const exec = parseJSONArray(cm[2]!);
  hc.Test = exec ? ['CMD', ...exec] : ['CMD-SHELL', cm[2]!.trim()];
  return { Test: hc.Test, ...hc };
}

function exposedPorts(args: string, env: readonly string[]): string[] {
  const out: string[] = [];
  for (const spec of shellWords(args, env)) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(spec);
    if (!m) throw invalidArgument(`Invalid containerPort: ${spec}`);
    const from = Number(m[1]);
    const to = m[2] ? Number(m[2]) : from;
    if (to < from || to > 65535) throw invalidArgument(`Invalid range specified for the Port: ${spec}`);
    for (let p = from; p <= to; p++) out.push(`${p}/${(m[3] ?? 'tcp').toLowerCase()}`);
  }
  return out;
}

function setEnv(env: string[], key: string, value: string): string[] {
  const out = env.filter((e) => !e.startsWith(`${key}=`) && e !== key);
  out.push(`${key}=${value}`);
  return out;
}

function volumes(args: string, env: readonly string[]): string[] {
  const vols = parseJSONArray(args) ?? shellWords(args, env);
  if (vols.some((v) => v.trim() === '')) throw invalidArgument('VOLUME specified can not be an empty string');
  return vols;
}

/** An ONBUILD trigger as stored: its instruction keyword upper-cased, the rest as written. */
function onbuildTrigger(args: string): string {
  const trigger = args.trim();
  const kw = /^\S+/.exec(trigger)?.[0]?.toUpperCase() ?? '';
  if (kw === 'ONBUILD') throw invalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (kw === 'FROM' || kw === 'MAINTAINER') throw invalidArgument(`${kw} isn't allowed as an ONBUILD trigger`);
  return `${kw}${trigger.slice(kw.length)}`;
}

const SIGNAL_RE = /^(?:SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/;

/**
 * Applies Dockerfile instructions to an image's run config, as `docker import --change` and
 * `docker commit --change` do (Docker's dockerfile.BuildFromConfig). Returns a new config.
 * @throws InvalidArgument `X is not a valid change command` for other instructions.
 */
export function applyConfigChanges(base: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  const c: ImageRunConfig = structuredClone(base);
  const list = instructions(changes);
  for (const { keyword } of list) {
    if (!VALID.has(keyword)) throw invalidArgument(`${keyword} is not a valid change command`);
  }
  let cmdSet = false;
  for (const { keyword, args } of list) {
    const env = c.Env ?? [];
    switch (keyword) {
      case 'cmd':
        c.Cmd = commandForm(args, c.Shell ?? DEFAULT_SHELL);
        cmdSet = true;
        break;
      case 'entrypoint':
        c.Entrypoint = args.trim() === '' ? null : commandForm(args, c.Shell ?? DEFAULT_SHELL);
        // Docker: a new ENTRYPOINT resets an inherited CMD unless CMD was given alongside.
        if (!cmdSet) c.Cmd = null;
        break;
      case 'env':
        for (const [k, v] of parseNameValues(args, env, 'ENV')) c.Env = setEnv(c.Env ?? [], k, v);
        break;
      case 'label':
        c.Labels = { ...(c.Labels ?? {}) };
        for (const [k, v] of parseNameValues(args, env, 'LABEL')) c.Labels[k] = v;
        break;
      case 'expose':
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of exposedPorts(args, env)) c.ExposedPorts[p] = {};
        break;
      case 'user':
        c.User = expandWord(args, env);
        break;
      case 'workdir': {
        const dir = expandWord(args, env);
        c.WorkingDir = path.posix.isAbsolute(dir) ? path.posix.normalize(dir) : path.posix.join(c.WorkingDir || '/', dir);
        break;
      }
      case 'volume':
        c.Volumes = { ...(c.Volumes ?? {}) };
        for (const v of volumes(args, env)) c.Volumes[v] = {};
        break;
      case 'onbuild':
        c.OnBuild = [...(c.OnBuild ?? []), onbuildTrigger(args)];
        break;
      case 'stopsignal': {
        const sig = expandWord(args, env).trim();
        if (!SIGNAL_RE.test(sig)) throw invalidArgument(`Invalid signal: ${sig}`);
        c.StopSignal = sig;
        break;
      }
      case 'healthcheck':
        c.Healthcheck = healthcheck(args);
        break;
    }
  }
  return c;
}

