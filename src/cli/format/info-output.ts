/**
 * `wharf info`: docker's prettyPrintInfo layout (cli/command/system/info.go), or a template
 * over docker's dockerInfo shape (the daemon's info plus ClientInfo).
 */
import { GO_TYPE, parseDockerTemplate, TemplateError } from '../../lib/gotemplate/index.js';
import { WHARF_VERSION } from '../../lib/version.js';
import type { SystemInfo } from '../../spec/engine/types.js';
import type { CliContext } from '../cli-context.js';
import { CliError, errorText } from '../cli-error.js';
import { isStructLike } from './inspect-output.js';
import { bytesSize } from './units.js';

/** Go's fmt.Println of operands: space separated, newline terminated. */
const println = (...a: unknown[]) => `${a.map((x) => (x === undefined || x === null ? '' : String(x))).join(' ')}\n`;
const nonEmpty = (label: string, v: unknown) => (v === undefined || v === null || v === '' ? '' : println(label, v));

function clientInfo(debug: boolean) {
  return { Debug: debug, Version: WHARF_VERSION, Context: 'default', Plugins: [] as unknown[], Warnings: null };
}

function securityOptions(opts: readonly string[]): string {
  let out = println(' Security Options:');
  for (const o of opts) {
    // "name=seccomp,profile=default" (the legacy form is a bare name)
    const kv = Object.fromEntries(o.split(',').map((p) => [p.split('=')[0], p.slice(p.indexOf('=') + 1)]));
    const name = o.includes('=') ? (kv.name ?? '') : o;
    out += `  ${name}\n`;
    if (kv.profile && o.includes('=')) out += println('   Profile:', kv.profile);
  }
  return out;
}

function registries(info: SystemInfo): string {
  const rc = info.RegistryConfig;
  const cidrs = (rc?.InsecureRegistryCIDRs ?? []) as unknown[];
  const indexes = Object.values(rc?.IndexConfigs ?? {}).filter((x) => x !== null);
  if (cidrs.length === 0 && indexes.length === 0) return '';
  let out = println(' Insecure Registries:');
  // Go ranges over a map here (random order); sort for a stable listing.
  const insecure = indexes.filter((ic) => !ic.Secure).map((ic) => String(ic.Name));
  for (const name of insecure.sort()) out += `  ${name}\n`;
  for (const c of cidrs) out += `  ${typeof c === 'string' ? c : JSON.stringify(c)}\n`;
  if ((rc?.Mirrors ?? []).length > 0) out += println(' Registry Mirrors:') + (rc?.Mirrors ?? []).map((m) => `  ${m}\n`).join('');
  return out;
}

function serverSection(i: SystemInfo, debug: boolean): string {
  let s = println(' Containers:', i.Containers) + println('  Running:', i.ContainersRunning) + println('  Paused:', i.ContainersPaused);
  s += println('  Stopped:', i.ContainersStopped) + println(' Images:', i.Images);
  s += nonEmpty(' Server Version:', i.ServerVersion) + nonEmpty(' Storage Driver:', i.Driver);
  for (const [k, v] of i.DriverStatus ?? []) s += `  ${k}: ${v}\n`;
  for (const [k, v] of (i as { SystemStatus?: string[][] }).SystemStatus ?? []) s += ` ${k}: ${v}\n`;
  s += nonEmpty(' Logging Driver:', i.LoggingDriver) + nonEmpty(' Cgroup Driver:', i.CgroupDriver) + nonEmpty(' Cgroup Version:', i.CgroupVersion);
  const p = i.Plugins ?? {};
  s += println(' Plugins:') + println('  Volume:', (p.Volume ?? []).join(' ')) + println('  Network:', (p.Network ?? []).join(' '));
  if ((p.Authorization ?? []).length > 0) s += println('  Authorization:', (p.Authorization ?? []).join(' '));
  s += println('  Log:', (p.Log ?? []).join(' '));
  const swarm: Partial<NonNullable<SystemInfo['Swarm']>> = i.Swarm ?? {};
  s += println(' Swarm:', swarm.LocalNodeState);
  if (swarm.LocalNodeState !== 'inactive' && swarm.LocalNodeState !== 'locked') {
    s += println('  NodeID:', swarm.NodeID) + (swarm.Error ? println('  Error:', swarm.Error) : '');
    s += println('  Is Manager:', swarm.ControlAvailable) + println('  Node Address:', swarm.NodeAddr);
  }
  const runtimes = Object.keys(i.Runtimes ?? {}).sort();
  if (runtimes.length > 0) s += println(' Runtimes:', runtimes.join(' ')) + println(' Default Runtime:', i.DefaultRuntime);
  if (i.OSType === 'linux') {
    s += println(' Init Binary:', i.InitBinary) + println(' containerd version:', i.ContainerdCommit?.ID);
    s += println(' runc version:', i.RuncCommit?.ID) + println(' init version:', i.InitCommit?.ID);
    if ((i.SecurityOptions ?? []).length > 0) s += securityOptions(i.SecurityOptions ?? []);
  }
  if (i.OSType === 'windows') s += println(' Default Isolation:', i.Isolation);
  s += nonEmpty(' Kernel Version:', i.KernelVersion) + nonEmpty(' Operating System:', i.OperatingSystem);
  s += nonEmpty(' OSType:', i.OSType) + nonEmpty(' Architecture:', i.Architecture) + println(' CPUs:', i.NCPU);
  s += println(' Total Memory:', bytesSize(i.MemTotal ?? 0)) + nonEmpty(' Name:', i.Name) + nonEmpty(' ID:', i.ID);
  s += println(' Docker Root Dir:', i.DockerRootDir) + println(' Debug Mode:', Boolean(i.Debug));
  if (i.Debug || debug) {
    s += println('  File Descriptors:', i.NFd) + println('  Goroutines:', i.NGoroutines);
    s += println('  System Time:', i.SystemTime) + println('  EventsListeners:', i.NEventsListener);
  }
  s += nonEmpty(' HTTP Proxy:', i.HttpProxy) + nonEmpty(' HTTPS Proxy:', i.HttpsProxy) + nonEmpty(' No Proxy:', i.NoProxy);
  if ((i.Labels ?? []).length > 0) s += println(' Labels:') + (i.Labels ?? []).map((l) => `  ${l}\n`).join('');
  s += println(' Experimental:', Boolean(i.ExperimentalBuild)) + registries(i) + println(' Live Restore Enabled:', Boolean(i.LiveRestoreEnabled));
  if (i.ProductLicense) s += println(' Product License:', i.ProductLicense);
  for (const pool of (i as { DefaultAddressPools?: Array<{ Base: string; Size: number }> }).DefaultAddressPools ?? []) {
    s += `   Base: ${pool.Base}, Size: ${pool.Size}\n`;
  }
  return `${s}\n`;
}

export async function runInfo(ctx: CliContext, format: string | undefined): Promise<void> {
  const debug = false;
  if (format) return formatInfo(ctx, format, debug);
  ctx.out(`Client: Wharf\n${println(' Version:   ', WHARF_VERSION)}${println(' Context:   ', 'default')}${println(' Debug Mode:', debug)}`);
  ctx.out('\nServer:\n');
  let info: SystemInfo;
  try {
    info = await ctx.client().system.info();
  } catch (e) {
    ctx.err(`ERROR: ${errorText(e)}\n`);
    throw new CliError('errors pretty printing info', { cause: e });
  }
  ctx.out(serverSection(info, debug));
  for (const w of info.Warnings ?? []) ctx.err(`${w}\n`);
}

async function formatInfo(ctx: CliContext, format: string, debug: boolean): Promise<void> {
  let tmpl: ReturnType<typeof parseDockerTemplate>;
  try {
    tmpl = parseDockerTemplate(format === 'json' ? '{{json .}}' : format);
  } catch (e) {
    if (e instanceof TemplateError) throw new CliError(`template parsing error: ${e.message}`, { exitCode: 64 });
    throw e;
  }
  let info: SystemInfo | Record<string, never> = {};
  const serverErrors: string[] = [];
  try {
    info = await ctx.client().system.info();
  } catch (e) {
    serverErrors.push(errorText(e));
    ctx.err(`${errorText(e)}\n`);
  }
  const data = { [GO_TYPE]: 'system.dockerInfo', ...info, ...(serverErrors.length ? { ServerErrors: serverErrors } : {}), ClientInfo: clientInfo(debug) };
  try {
    ctx.out(`${tmpl.execute(data, { strictKeys: isStructLike })}\n`);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    ctx.out(`${e.partialOutput}\n`); // docker streams the template output, then adds a newline
    throw new CliError(e.message, { cause: e });
  }
}
