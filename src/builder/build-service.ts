import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument, isKind, notFound } from '../errdefs/index.js';
import { type Digest, shortId } from '../lib/digest.js';
import type { Logger } from '../lib/logger.js';
import type { PullParams } from '../services/distribution/distribution-service.js';
import type { MessageSink } from '../services/distribution/progress.js';
import { unmountAll } from '../plugins/snapshots/mount.js';
import { familiarString, type NamedReference, parseNormalizedNamed, tagNameOnly } from '../spec/reference.js';
import { CacheFrom } from './cache/cache-from.js';
import { ImageCache } from './cache/image-cache.js';
import { type BuildPlan, planBuild } from './evaluator/build-plan.js';
import type { BuildOutput, EvalContext, EvalOptions, ResolvedImage } from './evaluator/eval-context.js';
import { runBuild } from './evaluator/evaluator.js';
import type { OciRunner } from './evaluator/oci-runner.js';
import type { BuildImages } from './image/build-images.js';
import { BUILD_SNAPSHOT_PREFIX } from './image/layer-workspace.js';
import { CommandShell } from './image/command-shell.js';
import { StepCommitter } from './image/step-committer.js';
import type { Dockerfile } from './parser/ast.js';
import { DockerfileParseError, dockerdParseMessage, parseDockerfile } from './parser/index.js';
import { openBuildContext, openRemoteContext } from './context/index.js';
import { registryAuthFor } from './registry-config.js';

export interface BuildServiceDeps {
  images: BuildImages;
  /** Runs RUN steps (and sweeps what a crash left in the runtime). */
  runner: OciRunner;
  /** The builder's scratch dir (under the exec root): contexts, step mounts, downloads. */
  scratchDir: string;
  log: Logger;
  /**
   * Pulls an image into the store (the daemon's distribution service): FROM and COPY --from of
   * a missing reference, or every one with `pull`. Without it a missing base image is an error.
   */
  pull?: (p: PullParams, out: MessageSink) => Promise<void>;
}

/** One build, as `POST /build` asks for it. */
export interface BuildRequest extends EvalOptions {
  /** `t`: the names to tag the result with. */
  tags: string[];
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** `cachefrom`: images whose history may stand in for steps (unknown names are skipped, as dockerd does). */
  cacheFrom?: string[];
  /** `remote`: fetch the context from this URL (git, archive or Dockerfile); the body is then ignored. */
  remote?: string;
  /** The raw `X-Registry-Config` header: credentials by registry for the pulls of base images. */
  registryConfig?: string;
}

/**
 * `docker build` with dockerd's classic builder semantics (see docs in evaluator/ and cache/):
 * unpack the context, parse the Dockerfile, plan the stages, run them step by step, then tag.
 * Everything the build allocates (context dir, step mounts and snapshots, containers) is released
 * when it ends, whatever the outcome; what a crash leaves is swept by {@link open}.
 */
export class BuildService {
  private readonly committer: StepCommitter;
  private readonly cache: ImageCache;
  /** One helper shell for every build's mounts (see CommandShell). */
  private readonly shell = new CommandShell();

  private constructor(private readonly d: BuildServiceDeps) {
    this.committer = new StepCommitter(d.images);
    this.cache = new ImageCache({ store: d.images.service.store, readConfig: (r) => d.images.service.readConfig(r) });
  }

  /** Builds the service after removing a crashed build's leftovers (RUN containers, mounts, snapshots). */
  static async open(d: BuildServiceDeps): Promise<BuildService> {
    const svc = new BuildService(d);
    await svc.sweep();
    return svc;
  }

  private async sweep(): Promise<void> {
    // Containers first: a RUN left running holds its rootfs mount busy.
    await this.d.runner.sweep();
    await fs.mkdir(this.d.scratchDir, { recursive: true, mode: 0o700 });
    for (const name of await fs.readdir(this.d.scratchDir)) {
      const p = path.join(this.d.scratchDir, name);
      // Step root filesystems were mounted here; unmount before deleting what is below.
      await unmountAll(p).catch((err) => this.d.log.warn('unmounting a build leftover failed', { path: p, err: String(err) }));
      await fs.rm(p, { recursive: true, force: true });
    }
    for (const s of await this.d.images.snapshots.list()) {
      if (s.key.startsWith(BUILD_SNAPSHOT_PREFIX)) await this.d.images.snapshots.remove(s.key).catch(() => undefined);
    }
  }

  /**
   * Runs a build. Errors thrown before anything was written to `out` (bad tags, context or
   * Dockerfile, unknown target) are the request's errors; later ones end the build stream.
   */
  async build(req: BuildRequest, body: Readable, out: BuildOutput, signal?: AbortSignal): Promise<Digest> {
    const refs = req.tags.map(parseTag);
    const opts = { dockerfile: req.dockerfile, tmpDir: this.d.scratchDir };
    const context = req.remote ? await openRemoteContext(req.remote, { ...opts, progress: (m) => out.message(m), signal }) : await openBuildContext(body, opts);
    try {
      const df = parseDockerfileForBuild(context.dockerfile, context.dockerfileName);
      const plan: BuildPlan = planBuild(df, req);
      for (const w of df.warnings) out.stream(`${w.message}\n`);
      const ctx = this.evalContext(req, out, context.dir, df, signal);
      ctx.cacheFrom = await this.cacheFrom(req.cacheFrom ?? []);
      const id = await runBuild(ctx, plan);
      out.stream(`Successfully built ${shortId(id)}\n`);
      for (const ref of refs) {
        await this.d.images.service.store.addRef(ref, id);
        this.d.images.service.event('tag', id, familiarString(ref));
        out.stream(`Successfully tagged ${familiarString(ref)}\n`);
      }
      return id;
    } finally {
      await context.close();
    }
  }

  private evalContext(req: BuildRequest, out: BuildOutput, contextDir: string, df: Dockerfile, signal?: AbortSignal): EvalContext {
    return {
      opts: req,
      out,
      images: this.d.images,
      committer: this.committer,
      cache: this.cache,
      runner: this.d.runner,
      contextDir,
      scratchDir: this.d.scratchDir,
      shell: this.shell,
      escape: df.directives.escape,
      resolveImage: (n, o) => (o?.pull ? this.resolveOrPull(n, req, out, signal) : this.resolveImage(n)),
      signal,
    };
  }

  private async cacheFrom(names: string[]): Promise<CacheFrom | undefined> {
    const sources: ResolvedImage[] = [];
    for (const n of names) {
      try {
        sources.push(await this.resolveImage(n));
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
        this.d.log.warn('cache-from image not found, ignored', { image: n });
      }
    }
    return sources.length > 0 ? new CacheFrom(sources, this.d.images) : undefined;
  }

  /**
   * A base image by reference, pulled as dockerd's classic builder does (getImageOrStage with
   * PullOptionForcePull / PullOptionPreferLocal): always with `pull`, else only when missing. The
   * pull's progress goes into the build stream; its credentials come from X-Registry-Config.
   * An image ID is never pulled.
   */
  private async resolveOrPull(name: string, req: BuildRequest, out: BuildOutput, signal?: AbortSignal): Promise<ResolvedImage> {
    const ref = this.d.pull && !looksLikeImageId(name) ? pullableReference(name) : undefined;
    if (!ref) return this.resolveImage(name);
    if (!req.pull) {
      try {
        return await this.resolveImage(name);
      } catch (err) {
        if (!isKind(err, 'NotFound')) throw err;
      }
    }
    const registryAuth = registryAuthFor(req.registryConfig, ref.domain);
    await this.d.pull!({ fromImage: familiarString(ref), platform: req.platform, registryAuth, signal }, (m) => out.message(m));
    return this.resolveImage(name);
  }

  private async resolveImage(name: string): Promise<ResolvedImage> {
    const svc = this.d.images.service;
    let record: ReturnType<typeof svc.resolve>;
    try {
      record = svc.resolve(name);
    } catch (err) {
      if (!isKind(err, 'NotFound') || this.d.pull) throw err;
      throw notFound(`pull access denied for ${name}: the image is not in the local store and this daemon has no registry client`, { cause: err });
    }
    return { record, config: await svc.readConfig(record) };
  }
}

/** Parses the build's Dockerfile; a parse error is reworded as dockerd's classic builder words it. */
function parseDockerfileForBuild(text: string, file: string): Dockerfile {
  try {
    return parseDockerfile(text, { file });
  } catch (err) {
    if (err instanceof DockerfileParseError) throw invalidArgument(dockerdParseMessage(err), { cause: err });
    throw err;
  }
}

/** A full or short image ID (moby: IDs are looked up locally, never pulled). */
function looksLikeImageId(name: string): boolean {
  return /^sha256:[0-9a-f]+$|^[0-9a-f]{64}$/.test(name);
}

/** The reference a base image name pulls (the `latest` tag by default); undefined when it is not a valid reference. */
function pullableReference(name: string): NamedReference | undefined {
  try {
    return tagNameOnly(parseNormalizedNamed(name));
  } catch {
    return undefined;
  }
}

/** A `t` value as dockerd's tagger validates it before the build starts. */
function parseTag(t: string): NamedReference {
  let ref: NamedReference;
  try {
    ref = parseNormalizedNamed(t);
  } catch (err) {
    throw invalidArgument(`invalid reference format: ${(err as Error).message}`, { cause: err });
  }
  if (ref.digest) throw invalidArgument('refusing to create a tag with a digest reference');
  return tagNameOnly(ref);
}
