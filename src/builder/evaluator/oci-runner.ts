import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ContainerRecord } from '../../core/containers/container.js';
import type { ContainerNetworking } from '../../core/network/container-networking.js';
import type { OciMount } from '../../core/runtime/oci-spec-types.js';
import type { OciRuntime } from '../../core/runtime/runtime.js';
import { removeCgroupPath } from '../../plugins/runtime/cgroups.js';
import type { ContainerConfig, HostConfig } from '../../spec/engine/types.js';
import { writeEtcFiles } from '../../services/containers/lifecycle/etc-files.js';
import { normalizeHostConfig } from '../../services/containers/lifecycle/normalize-config.js';
import { containerHostname, generateSpec } from '../../services/containers/oci-spec/generate-spec.js';
import type { DaemonFacts } from '../../services/containers/oci-spec/spec-input.js';
import { readUserDb } from '../../services/containers/oci-spec/user.js';
import { BuildStepError } from './step-error.js';

/** What a RUN step's container is made of. */
export interface RunSpec {
  /** The container ID (64 hex). */
  id: string;
  /** The mounted root filesystem (the step's working snapshot). */
  rootfs: string;
  /** The run config with the step's Cmd, env and no entrypoint. */
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** Mounts prepared by the step (the image's VOLUME paths as anonymous volumes). */
  mounts?: OciMount[];
  /** Receives stdout and stderr as they come. */
  write(text: string): void;
  signal?: AbortSignal;
}

export interface OciRunnerDeps {
  /** The daemon's default OCI runtime, with a state root of the builder's own. */
  runtime: OciRuntime;
  /**
   * The container networking a `docker run` gets (bridge sandbox by network mode); without it
   * a RUN gets the runtime's fresh namespace with only `lo`.
   */
  networking?: Pick<ContainerNetworking, 'attach' | 'detach'>;
  runtimeName: string;
  facts: DaemonFacts;
  /** Where bundles (config.json, /etc files, pid file) live while a step runs. */
  bundlesDir: string;
}

/** A random container ID whose short form is not all digits (moby stringid). */
export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

function pump(stream: Readable | undefined, write: (t: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  const dec = new StringDecoder('utf8');
  return new Promise((resolve) => {
    stream.on('data', (b: Buffer) => {
      const t = dec.write(b);
      if (t) write(t);
    });
    stream.on('error', () => resolve());
    stream.on('close', () => {
      const rest = dec.end();
      if (rest) write(rest);
      resolve();
    });
  });
}

/**
 * Runs RUN steps as OCI containers in the foreground (`runtime run`), from the same spec
 * generator as `docker run` — the same capabilities, seccomp profile, masked and read-only
 * paths, namespaces, cgroup and /etc files — but without the API container record, shim and
 * attach socket a long-lived container needs: the runtime is a child of the daemon for the
 * step's few milliseconds, its stdout and stderr are pipes, its exit status the step's. The
 * runtime deletes the container when it exits; its cgroup and bundle are removed here.
 */
export class OciRunner {
  constructor(private readonly d: OciRunnerDeps) {}

  async run(r: RunSpec): Promise<void> {
    const bundle = path.join(this.d.bundlesDir, r.id.slice(0, 12));
    await fs.mkdir(bundle, { recursive: true, mode: 0o700 });
    const hostConfig = normalizeHostConfig(r.hostConfig, this.d.runtimeName);
    const hostname = containerHostname({ id: r.id, config: r.config, hostConfig, daemon: this.d.facts });
    const config: ContainerConfig = { ...r.config, Hostname: hostname };
    // The networking contract speaks of container records: a RUN's container is one for the
    // length of the step (the fields networking reads: id, name, config, host config).
    const rec = { id: r.id, name: `build-${r.id.slice(0, 12)}`, config, hostConfig } as unknown as ContainerRecord;
    let attached = false;
    try {
      const net = this.d.networking ? await this.d.networking.attach(rec) : undefined;
      attached = net !== undefined;
      const etc = await writeEtcFiles(bundle, hostname, hostConfig, net?.etc);
      const { spec } = generateSpec({
        id: r.id,
        config,
        hostConfig,
        rootfs: r.rootfs,
        daemon: this.d.facts,
        etcFiles: etc,
        userDb: await readUserDb(r.rootfs),
        joinNamespaces: net?.netnsPath ? { network: net.netnsPath } : undefined,
        extraMounts: r.mounts,
      });
      await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
      const proc = await this.d.runtime.run(r.id, bundle, { pidFile: path.join(bundle, 'init.pid'), stdio: { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' } });
      const kill = () => void this.d.runtime.kill(r.id, 'KILL').catch(() => undefined);
      r.signal?.addEventListener('abort', kill);
      try {
        const [exit] = await Promise.all([proc.wait(), pump(proc.stdout, r.write), pump(proc.stderr, r.write)]);
        if (exit.exitCode !== 0) {
          throw new BuildStepError(`The command '${(config.Cmd ?? []).join(' ')}' returned a non-zero code: ${exit.exitCode}`, exit.exitCode);
        }
      } finally {
        r.signal?.removeEventListener('abort', kill);
      }
    } finally {
      if (attached) await this.d.networking!.detach(rec).catch(() => undefined);
      await removeCgroupPath(`${hostConfig.CgroupParent || this.d.facts.cgroupParent}/${r.id}`, hostConfig.CgroupParent || this.d.facts.cgroupParent).catch(() => undefined);
      await fs.rm(bundle, { recursive: true, force: true });
    }
  }

  /** Deletes what a crashed daemon's builds left in the runtime (containers and their cgroups). */
  async sweep(): Promise<void> {
    const states = await this.d.runtime.list().catch(() => []);
    for (const s of states) {
      await this.d.runtime.delete(s.id, { force: true }).catch(() => undefined);
      await removeCgroupPath(`${this.d.facts.cgroupParent}/${s.id}`, this.d.facts.cgroupParent).catch(() => undefined);
    }
    await fs.rm(this.d.bundlesDir, { recursive: true, force: true });
  }
}
