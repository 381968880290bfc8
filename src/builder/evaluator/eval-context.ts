import type { ImageRecord } from '../../core/images/image-store.js';
import type { Digest } from '../../lib/digest.js';
import type { JSONMessage } from '../../spec/engine/types.js';
import type { ImageConfigFile } from '../../spec/oci/image.js';
import type { CacheFrom } from '../cache/cache-from.js';
import type { ImageCache } from '../cache/image-cache.js';
import type { BuildImages } from '../image/build-images.js';
import type { CommandShell } from '../image/command-shell.js';
import type { StepCommitter } from '../image/step-committer.js';
import type { OciRunner } from './oci-runner.js';

/** Where a build's messages go (`{"stream":…}` and `{"aux":{"ID":…}}` on the wire). */
export interface BuildOutput {
  stream(text: string): void;
  aux(id: Digest): void;
  /** Any other JSON message, passed through (a base image's pull progress). */
  message(m: JSONMessage): void;
}

/** The request options the evaluator acts on (the HTTP query, parsed). */
export interface EvalOptions {
  buildArgs: Readonly<Record<string, string | null>>;
  target?: string;
  noCache: boolean;
  /** `--label`s, added as LABEL steps to the last stage. */
  labels: Readonly<Record<string, string>>;
  /**
   * Docker's rm / forcerm. A RUN's container never outlives its step here (see OciRunner); these
   * only decide whether `Removing intermediate container` is reported, as dockerd would.
   */
  remove: boolean;
  forceRemove: boolean;
  networkMode?: string;
  shmSize?: number;
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuSetCpus?: string;
  extraHosts?: string[];
  /** `os/arch[/variant]`; only the daemon's own platform can be built. */
  platform?: string;
  /** `pull`: pull every base image named by reference, even when present (`docker build --pull`). */
  pull?: boolean;
}

/** An image found for FROM or COPY --from. */
export interface ResolvedImage {
  record: ImageRecord;
  config: ImageConfigFile;
}

/** Everything a build's instructions work with. */
export interface EvalContext {
  opts: EvalOptions;
  out: BuildOutput;
  images: BuildImages;
  committer: StepCommitter;
  cache: ImageCache;
  /** `--cache-from` sources, probed after the local cache misses. */
  cacheFrom?: CacheFrom;
  /** Runs RUN steps' containers. */
  runner: Pick<OciRunner, 'run'>;
  /** The extracted build context (COPY and ADD sources). */
  contextDir: string;
  /** Where the builder mounts step root filesystems and keeps downloads (under the exec root). */
  scratchDir: string;
  /** Runs the steps' mount and umount commands (see CommandShell); without it each is a process of its own. */
  shell?: CommandShell;
  /** The Dockerfile's escape character. */
  escape: string;
  /**
   * Images for FROM and COPY --from by reference or ID (NotFound with a clear message). With
   * `pull`, a reference is pulled from its registry when missing (or always with the build's
   * `pull`), as dockerd's classic builder does for base images; a stage's image never is.
   */
  resolveImage(name: string, opts?: { pull?: boolean }): Promise<ResolvedImage>;
  signal?: AbortSignal;
}
