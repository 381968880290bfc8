/**
 * Test support shared by the runtime, spec-generator and pty tests: a busybox root filesystem
 * built from the host's static busybox (Debian busybox-static), and a minimal bundle config.
 * Real files, real runtime: no image store is needed to exercise runc or crun.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { OciSpec } from './oci-spec-types.js';
import { DEFAULT_CAPABILITIES } from './default-capabilities.js';

/** Where Debian's busybox-static installs its statically linked binary. */
export const HOST_BUSYBOX = '/usr/bin/busybox';

const DEFAULT_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const DEFAULT_GROUP = 'root:x:0:\nnogroup:x:65534:\n';

let applets: Promise<string[]> | undefined;

async function busyboxApplets(): Promise<string[]> {
  applets ??= promisify(execFile)(HOST_BUSYBOX, ['--list']).then(({ stdout }) =>
    stdout.split('\n').filter((a) => a && a !== 'busybox' && !a.includes('/')),
  );
  return applets;
}

export interface BusyboxRootfsOptions {
  /** Content of etc/passwd (default: root and nobody). */
  passwd?: string;
  /** Content of etc/group (default: root and nogroup). */
  group?: string;
}

/**
 * Makes a busybox root filesystem in `dir`: bin/busybox plus one symlink per applet (what
 * `busybox --install -s` would do), the mount-point directories a runtime needs, and etc files.
 */
export async function makeBusyboxRootfs(dir: string, opts: BusyboxRootfsOptions = {}): Promise<void> {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'sbin', 'home']) {
    await fs.mkdir(path.join(dir, d), { recursive: true });
  }
  await fs.chmod(path.join(dir, 'tmp'), 0o1777);
  await fs.copyFile(HOST_BUSYBOX, path.join(dir, 'bin/busybox'));
  await fs.chmod(path.join(dir, 'bin/busybox'), 0o755);
  await Promise.all((await busyboxApplets()).map((a) => fs.symlink('busybox', path.join(dir, 'bin', a))));
  await fs.writeFile(path.join(dir, 'etc/passwd'), opts.passwd ?? DEFAULT_PASSWD);
  await fs.writeFile(path.join(dir, 'etc/group'), opts.group ?? DEFAULT_GROUP);
}

export interface MinimalSpecOptions {
  cgroupsPath?: string;
  terminal?: boolean;
  env?: string[];
}

/**
 * A small, valid config.json for a rootfs directory named `rootfs` beside it: new pid, ipc, uts,
 * mount and network namespaces, /proc, /dev and /dev/pts, Docker's default capabilities.
 * The contract tests use it; real containers get theirs from the spec generator.
 */
export function minimalSpec(args: string[], opts: MinimalSpecOptions = {}): OciSpec {
  const caps = [...DEFAULT_CAPABILITIES];
  const spec: OciSpec = {
    ociVersion: '1.0.2',
    process: {
      terminal: opts.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...(opts.env ?? [])],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
    },
    root: { path: 'rootfs' },
    hostname: 'test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
    },
  };
  if (opts.cgroupsPath) spec.linux!.cgroupsPath = opts.cgroupsPath;
  return spec;
}

/** Writes `spec` as `<bundle>/config.json`. */
export async function writeBundleConfig(bundleDir: string, spec: OciSpec): Promise<void> {
  await fs.writeFile(path.join(bundleDir, 'config.json'), JSON.stringify(spec));
}
