/**
 * Last line of defence for a test daemon's host objects. A test that fails half-way may leave
 * containers running (our shims outlive the daemon, as live-restore would), with their mounts,
 * network namespaces, bridges and iptables chains. Those live in the host's namespaces, not in
 * the test's temp dir, so one failed test could break every later run on the machine (a leaked
 * bridge keeps its subnet's route). After the daemon stops, this removes whatever is still
 * there under the daemon's own names, and says what it found so the leak is seen, not hidden.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { netTag } from '../../src/plugins/network/host-facts.js';
import { run } from './wharfd.js';

interface Paths {
  dir: string;
  dataRoot: string;
  execRoot: string;
}

async function bridgesOf(dataRoot: string): Promise<string[]> {
  const dir = path.join(dataRoot, 'network');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    const rec = JSON.parse(await fs.readFile(path.join(dir, n), 'utf8').catch(() => '{}')) as { bridge?: { name?: string } };
    if (rec.bridge?.name) out.push(rec.bridge.name);
  }
  return out;
}

async function killContainers(execRoot: string): Promise<string[]> {
  const found: string[] = [];
  for (const rt of ['runc', 'crun']) {
    const root = path.join(execRoot, 'runtime', rt);
    const list = await run(rt, ['--root', root, 'list', '-q']).catch(() => ({ stdout: '', code: 1 }));
    for (const id of list.stdout.split('\n').filter(Boolean)) {
      found.push(`container ${id.slice(0, 12)}`);
      await run(rt, ['--root', root, 'delete', '--force', id]).catch(() => undefined);
    }
  }
  return found;
}

async function unmountUnder(dir: string): Promise<string[]> {
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4] ?? '');
  const mine = mounts.filter((m) => m === dir || m.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const m of mine) await run('umount', ['-l', m]);
  return mine.map((m) => `mount ${m}`);
}

async function removeNetworkObjects(tag: string, bridges: string[]): Promise<string[]> {
  const found: string[] = [];
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const ns of netns.filter((n) => n.startsWith(`wh-${tag}-`))) {
    found.push(`netns ${ns}`);
    await run('ip', ['netns', 'del', ns]);
  }
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n').map((l) => (l.split(':')[1] ?? '').trim().split('@')[0] ?? '');
  for (const l of links.filter((x) => x === `wh-${tag}` || bridges.includes(x))) {
    found.push(`link ${l}`);
    await run('ip', ['link', 'del', l]);
  }
  const chain = new RegExp(`^WHARF-[A-Z]+-${tag}$`);
  for (const table of ['filter', 'nat', 'raw']) {
    const rules = (await run('iptables', ['-w', '-t', table, '-S'])).stdout.split('\n');
    const chains = rules.filter((r) => r.startsWith('-N ')).map((r) => r.slice(3)).filter((c) => chain.test(c));
    if (!chains.length) continue;
    found.push(...chains.map((c) => `chain ${table}/${c}`));
    for (const r of rules) {
      const m = /^-A (\S+) (.*)$/.exec(r);
      if (m && !chain.test(m[1]!) && chains.some((c) => r.includes(`-j ${c}`))) await run('iptables', ['-w', '-t', table, '-D', m[1]!, ...m[2]!.split(' ')]);
    }
    for (const c of chains) await run('iptables', ['-w', '-t', table, '-F', c]);
    for (const c of chains) await run('iptables', ['-w', '-t', table, '-X', c]);
  }
  return found;
}

/** Removes what a stopped daemon left on the host; returns a line per object found. */
export async function sweepHost(p: Paths): Promise<string[]> {
  const found = await killContainers(p.execRoot);
  found.push(...(await unmountUnder(p.dir)));
  const tag = netTag(p.dataRoot);
  // A daemon with no containers left removes its own default bridge and chains on stop; with
  // containers (or after a crash) they stay, for the next start to pick up. Either way they go.
  const leftovers = await removeNetworkObjects(tag, await bridgesOf(p.dataRoot));
  return [...found, ...leftovers];
}
