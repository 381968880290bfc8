/**
 * Shared by the networking e2e tests: a private wharfd (its bridge and chain names carry a tag
 * derived from its data root, so it never meets another daemon's), an HTTP GET from the host,
 * busybox httpd command lines, and the host objects that belong to a daemon (for leak checks).
 */
import http from 'node:http';
import { netTag } from '../../src/plugins/network/host-facts.js';
import { run, type TestDaemon } from '../helpers/wharfd.js';

/**
 * GET `url` from the host; resolves with status and body. A refused or reset connection is tried
 * again until `timeoutMs` has passed (a container started with `run -d` may not listen yet), then
 * rejects with the last error.
 */
export async function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await getOnce(url, Math.max(deadline - Date.now(), 1));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ECONNREFUSED' && code !== 'ECONNRESET') || Date.now() + 100 >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function getOnce(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** A busybox shell line serving `text` as /index.html on port 80 (httpd in the foreground). */
export function httpdServing(text: string): string[] {
  return ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p 80 -h /www`];
}

/**
 * A busybox command line that fetches `url` and gives up after 3 s. wget runs under a shell
 * that does not exec it: as pid 1 it would ignore timeout's SIGTERM and wait out the kernel's
 * two-minute connect timeout against a dropped SYN.
 */
export function giveUpAfter3s(url: string): string[] {
  return ['sh', '-c', `timeout 3 wget -qO- ${url} || exit 1`];
}

/** Runs docker, asserting success; returns trimmed stdout. */
export async function ok(d: TestDaemon, args: string[]): Promise<string> {
  const r = await d.docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.code}): ${r.stderr}\n--- daemon log ---\n${d.logs().slice(-3000)}`);
  return r.stdout.trim();
}

/** What a daemon has on the host: its namespaces, interfaces and iptables rules/chains. */
export interface HostObjects {
  netns: string[];
  links: string[];
  rules: string[];
}

/** The daemon's objects on the host, found by its tag and the names of its bridges. */
export async function hostObjectsOf(d: TestDaemon, bridges: readonly string[]): Promise<HostObjects> {
  const tag = netTag(d.dataRoot);
  const mine = (line: string) => line.includes(tag) || bridges.some((b) => new RegExp(`\\b${b}\\b`).test(line));
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').filter((l) => l.includes(`wh-${tag}-`));
  const linkLines = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n');
  const links = linkLines.filter((l) => mine(l)).map((l) => l.split(':')[1]!.trim().split('@')[0]!);
  const rules: string[] = [];
  for (const table of ['filter', 'nat', 'raw']) rules.push(...(await run('iptables', ['-t', table, '-S'])).stdout.split('\n').filter(mine));
  return { netns, links, rules };
}

/** The default bridge's name as the daemon reports it. */
export async function defaultBridgeOf(d: TestDaemon): Promise<string> {
  return ok(d, ['network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.name"}}']);
}

/** Polls `cond` every 100 ms until true, or throws naming `what` after `ms`. */
export async function eventually(cond: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port free on every address right now (the kernel's pick, released again). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const port = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The host's first non-loopback IPv4 address (traffic to it stays on this host). */
export async function hostAddress(): Promise<string | undefined> {
  const os = await import('node:os');
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/**
 * The inet sockets (TCP listeners, bound UDP sockets) held by process `pid`, as `proto addr:port`
 * (from `ss`): the daemon's userland proxies and embedded DNS servers.
 */
export async function listenersOf(pid: number): Promise<string[]> {
  const out = (await run('ss', ['-Htulnp'])).stdout.split('\n');
  return out
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return `${f[0]} ${f[4]}`;
    })
    .sort();
}

/** Whether any process listens on TCP `port` or has UDP `port` bound, on any address. */
export async function portHeld(port: number): Promise<boolean> {
  const out = (await run('ss', ['-Htuln'])).stdout.split('\n');
  return out.some((l) => l.trim().split(/\s+/)[4]?.endsWith(`:${port}`));
}

/** A raw Engine API call on the daemon's socket: status and parsed JSON body (or text). */
export async function api(d: TestDaemon, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: { message?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, path: `/v1.41${urlPath}`, method, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: b ? JSON.parse(b) : {} }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
