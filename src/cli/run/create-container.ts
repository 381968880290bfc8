/**
 * docker's createContainer: `POST /containers/create`, and on "no such image" (with
 * `--pull missing`, the default) "Unable to find image 'x:latest' locally", a pull through
 * `POST /images/create?fromImage=`, and one retry. Also the `--cidfile` and daemon warnings.
 */
import { closeSync, existsSync, openSync, rmSync, writeSync } from 'node:fs';
import { isKind } from '../../errdefs/index.js';
import type { ContainerCreateRequest } from '../../spec/engine/types.js';
import { familiarString, parseAnyReference, type NamedReference, repositoryName, tagNameOnly } from '../../spec/reference.js';
import type { CliContext } from '../cli-context.js';

export interface CreateOptions {
  name?: string;
  platform?: string;
  /** always | missing | never. */
  pull: string;
  quiet?: boolean;
}

/** validatePullOpt. */
export function validatePullOpt(v: string): void {
  if (!['always', 'missing', 'never', ''].includes(v)) {
    throw new Error(`invalid pull option: '${v}': must be one of "always", "missing" or "never"`);
  }
}

/** Pulls `ref` the way run/create do, rendering progress on stderr (nothing with --quiet). */
async function pullImage(ctx: CliContext, ref: NamedReference, opts: CreateOptions): Promise<void> {
  const tag = ref.digest ?? ref.tag ?? 'latest';
  // Credentials from the docker-compatible config.json, as `docker run` sends them (`e30=` if none).
  const { registryAuthFor } = await import('../auth/registry-auth.js');
  const registryAuth = await registryAuthFor(ctx.io.env, ref.domain);
  const res = await ctx.client().imagePull.pull(repositoryName(ref), tag, { platform: opts.platform, registryAuth });
  const { displayJSONMessages } = await import('../format/progress.js');
  const stderr = ctx.io.stderr as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  const sink = { write: (s: string) => (opts.quiet ? undefined : ctx.err(s)) };
  await displayJSONMessages(res, sink, { isTerminal: Boolean(stderr.isTTY), width: () => stderr.columns ?? 200 });
}

/** `--cidfile`: must not exist yet; removed again if no ID gets written. */
function openCidFile(file: string | undefined): { write(id: string): void; close(): void } {
  if (!file) return { write() {}, close() {} };
  if (existsSync(file)) throw new Error(`container ID file found, make sure the other container isn't running or delete ${file}`);
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (e) {
    throw new Error(`failed to create the container ID file: ${(e as Error).message}`);
  }
  let written = false;
  return {
    write(id) {
      writeSync(fd, id);
      written = true;
    },
    close() {
      closeSync(fd);
      if (!written) rmSync(file, { force: true });
    },
  };
}

/** localhostDNSWarning. */
function localhostDnsWarning(dns: readonly string[]): string | undefined {
  const lo = dns.find((d) => /^127\./.test(d) || d === '::1');
  return lo ? `Localhost DNS (${lo}) may fail in containers.` : undefined;
}

/** Creates the container (pulling a missing image as docker does) and returns its ID. */
export async function createContainer(ctx: CliContext, body: ContainerCreateRequest, opts: CreateOptions): Promise<string> {
  const hostConfig = (body.HostConfig ?? {}) as { ContainerIDFile?: string; Dns?: string[] };
  const cid = openCidFile(hostConfig.ContainerIDFile);
  try {
    const parsed = parseAnyReference(body.Image ?? '');
    const named = parsed.kind === 'named' ? tagNameOnly(parsed.ref) : undefined;
    if (opts.pull === 'always' && named) await pullImage(ctx, named, opts);
    const create = () => ctx.client().containers.create(body, { name: opts.name, platform: opts.platform });
    let response: Awaited<ReturnType<typeof create>>;
    try {
      response = await create();
    } catch (e) {
      if (!(isKind(e, 'NotFound') && named && opts.pull === 'missing')) throw e;
      if (!opts.quiet) ctx.err(`Unable to find image '${familiarString(named)}' locally\n`);
      await pullImage(ctx, named, opts);
      response = await create();
    }
    const warnings = [...(response.Warnings ?? [])];
    const dnsWarning = localhostDnsWarning(hostConfig.Dns ?? []);
    if (dnsWarning) warnings.push(dnsWarning);
    for (const w of warnings) ctx.err(`WARNING: ${w}\n`);
    cid.write(response.Id);
    return response.Id;
  } finally {
    cid.close();
  }
}
