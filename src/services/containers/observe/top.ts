import { promises as fs } from 'node:fs';
import path from 'node:path';
import { conflict, internal, invalidArgument } from '../../../errdefs/index.js';
import { runCommand } from '../../../lib/exec-file.js';
import type { ContainerTopResponse } from '../../../spec/engine/types.js';
import { cgroupsPathOf, hasProcesses, type ObserveDeps } from './observe-deps.js';

/** Hierarchies that hold every process of a container; cgroup v2's single tree (`''`) last. */
const PROC_HIERARCHIES = ['pids', 'memory', 'cpu', 'devices', 'systemd', ''];

/**
 * `GET /containers/{id}/top?ps_args=`, as dockerd runs it (daemon/top_unix.go): the container's
 * pids from its cgroup, then the host's `ps <ps_args> -q<pids>` (retried without `-q` for options
 * it conflicts with), its lines filtered to those pids. Titles are ps's header; a process line
 * has as many fields as titles, the last one taking the rest (the command line). Pids are the
 * host's, as with dockerd. Conflict when the container is not running; publishes `top`.
 */
export async function containerTop(d: ObserveDeps, idOrName: string, psArgs = ''): Promise<ContainerTopResponse> {
  const args = psArgs || '-ef';
  validatePsArgs(args);
  const rec = d.containers.get(idOrName);
  if (rec.state.status === 'restarting') throw conflict(`Container ${rec.id} is restarting, wait until the container is running`);
  if (!hasProcesses(rec)) throw conflict(`Container ${rec.id} is not running`);
  const cgroup = await cgroupsPathOf(d.containers, rec.id);
  const pids = cgroup ? await cgroupPids(d.cgroupRoot ?? '/sys/fs/cgroup', cgroup) : [];
  const argv = args.split(' ');
  let res = await runCommand('ps', [...argv, `-q${pids.join(',')}`], { check: false });
  if (res.code !== 0) res = await runCommand('ps', argv, { check: false });
  if (res.code !== 0) throw internal(`ps: ${res.stderr.split('\n')[0] || `exit status ${res.code}`}`);
  const top = parsePsOutput(res.stdout, new Set(pids));
  d.events?.publish('container', 'top', { ID: rec.id, Attributes: { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name } });
  return top;
}

/** Docker refuses ps_args that rename the PID column (`-o pid=PID`): the output could not be filtered. */
export function validatePsArgs(args: string): void {
  for (const m of args.matchAll(/\s+(\S*)=\s*(PID\S*)/g)) {
    if (m[1] !== 'pid') throw invalidArgument(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** moby's parsePSOutput: keep lines whose PID is the container's (and thread lines, `-`, after them). */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): ContainerTopResponse {
  const lines = output.split('\n');
  const titles = fields(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw internal("Couldn't find PID field in ps output");
  const processes: string[][] = [];
  let previousKept = false;
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const f = fields(line);
    const pid = f[pidIndex];
    if (pid === '-') {
      if (previousKept) processes.push(fit(f, titles.length));
      continue;
    }
    if (pid === undefined || !/^\d+$/.test(pid)) throw internal(`Unexpected pid '${pid ?? ''}': strconv.Atoi: parsing "${pid ?? ''}": invalid syntax`);
    previousKept = pids.has(Number(pid));
    if (previousKept) processes.push(fit(f, titles.length));
  }
  return { Titles: titles, Processes: processes };
}

/** Fields split on ASCII whitespace (moby's fieldsASCII). */
function fields(s: string): string[] {
  return s.split(/[ \t\n\v\f\r]+/).filter(Boolean);
}

/** As many fields as titles: the overhanging ones (a command's arguments) joined with spaces. */
function fit(f: string[], n: number): string[] {
  return [...f.slice(0, n - 1), f.slice(n - 1).join(' ')];
}

/**
 * Every process of a cgroup and of its descendants, from the first hierarchy that has it.
 * (containerd lists a container's pids the same way.)
 */
export async function cgroupPids(root: string, cgroupsPath: string): Promise<number[]> {
  for (const h of PROC_HIERARCHIES) {
    const dir = path.join(root, h, cgroupsPath);
    if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) continue;
    const out: number[] = [];
    await collectProcs(dir, out);
    return out;
  }
  return [];
}

async function collectProcs(dir: string, out: number[]): Promise<void> {
  const text = await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const l of text.split('\n')) if (/^\d+$/.test(l)) out.push(Number(l));
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) await collectProcs(path.join(dir, e.name), out);
  }
}
