/**
 * Shared by the build end-to-end tests: contexts written to temp dirs, a private wharfd with
 * busybox (bootstrapped from the host's busybox-static), and the checks every failure test ends
 * with (no containers, no mounts, no new images).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CmdResult, run, type TestDaemon } from '../helpers/wharfd.js';
import { netTag } from '../../src/plugins/network/host-facts.js';
import { mountsOf } from './containers-lifecycle.fixture.js';

/** Files of a build context: name → content (a string, or `{ data, mode }`). */
export type ContextFiles = Record<string, string | { data: string | Buffer; mode?: number }>;

const roots: string[] = [];

/** Writes a context into a fresh temp dir and returns its path. */
export async function writeContext(files: ContextFiles): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-build-ctx-'));
  roots.push(dir);
  await fillContext(dir, files);
  return dir;
}

/** (Over)writes files of an existing context. */
export async function fillContext(dir: string, files: ContextFiles): Promise<void> {
  for (const [name, v] of Object.entries(files)) {
    const p = path.join(dir, name);
    await fs.mkdir(path.dirname(p), { recursive: true });
    const { data, mode } = typeof v === 'string' ? { data: v, mode: 0o644 } : { data: v.data, mode: v.mode ?? 0o644 };
    await fs.writeFile(p, data);
    await fs.chmod(p, mode);
  }
}

/** Removes every context this process wrote. */
export async function cleanupContexts(): Promise<void> {
  await Promise.all(roots.splice(0).map((r) => fs.rm(r, { recursive: true, force: true })));
}

/** A finished command (ours or the oracle's runner). */
type Result = Pick<CmdResult, 'stdout' | 'stderr'> & { code: number | null };

/** A daemon the docker CLI can be run against. */
type DockerRunner = { docker(a: string[], o?: { input?: string | Buffer }): Promise<Result> };

/** Asserts success and returns stdout. */
export function ok(r: Result, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `docker build` with the classic builder against `d`. */
export function dockerBuild(d: DockerRunner, args: string[]): Promise<Result> {
  return d.docker(['build', ...args]);
}

/** The image ID `docker build -q` printed. */
export function idOf(out: string): string {
  const m = /sha256:[0-9a-f]{64}/.exec(out);
  assert.ok(m, `no image ID in ${JSON.stringify(out)}`);
  return m[0];
}

/** What dockerd's init layer puts in every container (never part of an image). */
const INIT_LAYER = new Set(['.dockerenv', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab']);

/**
 * The files of an image as `docker export | tar tv` lists them — type, mode, owner, size,
 * link target — without mtimes (they differ between any two builds) and without what a
 * container's init layer adds (dockerd's /etc/hosts & co.).
 */
export async function exportListing(d: DockerRunner, image: string, prefixes: string[]): Promise<string[]> {
  const id = ok(await d.docker(['create', image, 'x']), 'create').trim();
  try {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wharf-export-'));
    try {
      const tarPath = path.join(dir, 'fs.tar');
      ok(await d.docker(['export', '-o', tarPath, id]), 'export');
      const listing = ok(await run('tar', ['tvf', tarPath, '--numeric-owner']), 'tar tv');
      return listing
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const f = l.split(/\s+/);
          const name = f.slice(5).join(' ');
          return `${f[0]} ${f[1]} ${f[2]} ${name}`;
        })
        .filter((l) => prefixes.some((p) => l.split(' ')[3]!.startsWith(p)) && !INIT_LAYER.has(l.split(' ')[3]!))
        .sort();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  } finally {
    await d.docker(['rm', '-f', id]);
  }
}

/** Asserts a failed build left nothing: no containers, no mounts, the same images as before. */
export async function assertNothingLeft(d: TestDaemon, imagesBefore: string): Promise<void> {
  assert.equal(ok(await d.docker(['ps', '-a', '-q']), 'ps').trim(), '', 'a container was left behind');
  assert.deepEqual(await mountsOf(d), [], 'a mount was left behind');
  assert.equal(ok(await d.docker(['images', '-a', '-q', '--no-trunc']), 'images'), imagesBefore, 'an image was left behind');
  const scratch = await fs.readdir(path.join(d.execRoot, 'build')).catch(() => []);
  assert.deepEqual(scratch.filter((n) => n !== 'bundles'), [], 'build scratch files were left behind');
  assert.deepEqual(await fs.readdir(path.join(d.execRoot, 'build', 'bundles')).catch(() => []), [], 'a RUN bundle was left behind');
  const runtimeState = await fs.readdir(path.join(d.execRoot, 'build-runtime')).catch(() => []);
  assert.deepEqual(runtimeState.filter((n) => /^[0-9a-f]{64}$/.test(n)), [], 'a RUN container was left in the runtime');
  // The RUN sandboxes (network namespaces named after this daemon's data root) are gone too.
  const tag = netTag(d.dataRoot);
  const netns = ok(await run('ip', ['netns', 'list']), 'ip netns');
  assert.deepEqual(netns.split('\n').filter((l) => l.startsWith(`wh-${tag}-`)), [], 'a RUN network namespace was left behind');
}

/** A Dockerfile using every instruction (shared with build-vs-docker.test.ts). */
export const EVERY_INSTRUCTION = `FROM busybox
ARG V=1
ENV A=b C="d e"
LABEL x=y "z z"=w
WORKDIR /app/w
RUN echo built $V > built.txt && echo 'app:x:1000:1000::/:/bin/sh' >> /etc/passwd && echo 'staff:x:50:' >> /etc/group
COPY hello.txt sub ./
COPY --chown=app:staff hello.txt /owned/
ADD arch.tar /unpacked/
EXPOSE 80 443/udp
VOLUME /data
USER app
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=3 CMD true
ONBUILD RUN echo onbuild
MAINTAINER me
SHELL ["/bin/sh","-ec"]
ENTRYPOINT ["/bin/sh"]
CMD echo hi
`;

/** The context of EVERY_INSTRUCTION (arch.tar is made with the system tar). */
export async function everyInstructionContext(): Promise<string> {
  const dir = await writeContext({
    Dockerfile: EVERY_INSTRUCTION,
    'hello.txt': 'hello\n',
    'sub/a': { data: 'a\n', mode: 0o600 },
    'sub/deep/b': 'b\n',
    'tarsrc/t/inside.txt': { data: 'inside\n', mode: 0o640 },
  });
  ok(await run('tar', ['-cf', `${dir}/arch.tar`, '-C', `${dir}/tarsrc`, '--owner=7', '--group=8', 't']), 'tar');
  return dir;
}
