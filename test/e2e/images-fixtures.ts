/**
 * Fixtures for the image end-to-end tests: a busybox root filesystem tar made in the test (from
 * Debian's busybox-static, as `docker import` transcripts use), and helpers to compare output.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type TarEntry, tarOf } from '../../src/services/images/testsuite.js';

export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'env', 'id', 'ps', 'rm', 'mkdir', 'sleep', 'hostname'];

/** A busybox rootfs tar like the one in the import transcript (`./bin/busybox` + applet links). */
export async function busyboxRootfs(extra: TarEntry[] = []): Promise<Buffer> {
  const busybox = await fs.readFile(BUSYBOX);
  return tarOf([
    { name: './', type: 'directory' },
    { name: './bin/', type: 'directory' },
    { name: './bin/busybox', data: busybox, mode: 0o755 },
    ...APPLETS.map((a) => ({ name: `./bin/${a}`, type: 'symlink' as const, linkname: 'busybox' })),
    { name: './etc/', type: 'directory' },
    { name: './etc/hostname', data: 'wharf\n' },
    { name: './tmp/', type: 'directory', mode: 0o1777 },
    ...extra,
  ]);
}

/** Writes `data` to `dir/name` and returns the path. */
export async function writeFixture(dir: string, name: string, data: Buffer | string): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, data);
  return p;
}

/** The lines of a command's output, trailing whitespace removed. */
export function lines(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

/** Splits a docker table row into its columns (separated by 2+ spaces). */
export function columns(row: string): string[] {
  return row.trim().split(/\s{2,}/);
}

/** An `image inspect` document without what necessarily differs between two daemons. */
export function comparableInspect(doc: Record<string, unknown>): Record<string, unknown> {
  const { GraphDriver, ...rest } = doc;
  return { ...rest, GraphDriver: { Name: (GraphDriver as { Name: string }).Name } };
}
