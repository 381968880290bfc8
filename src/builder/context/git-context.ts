/**
 * Git build contexts (`POST /build?remote=git://…`), as dockerd 20.10's classic builder makes
 * them (builder/remotecontext/git): a fresh repository fetches the one ref (shallow where the
 * server allows it), checks it out, updates submodules, and the context is the checkout or the
 * fragment's subdirectory. Error texts are dockerd's.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { internal } from '../../errdefs/index.js';
import { runCommand } from '../../lib/exec-file.js';
import { plainTree, secureJoin } from '../../lib/tar/secure-join.js';
import { goClean } from './go-path.js';

/** A git context URL split as moby parseRemoteURL does. */
export interface GitRemote {
  /** What `git fetch` is given (the URL without its fragment). */
  remote: string;
  /** The fragment's ref, `master` when absent (dockerd 20.10's default, not the remote HEAD). */
  ref: string;
  /** The fragment's subdirectory ('' for the repository root). */
  subdir: string;
}

const isHttp = (s: string) => /^https?:\/\//i.test(s);

/**
 * moby urlutil.IsGitURL: an http(s) URL whose path ends in `.git` (a fragment may follow), or
 * one starting `git://`, `github.com/` or `git@`. (`file://` is not a git URL to dockerd.)
 */
export function isGitURL(s: string): boolean {
  if (isHttp(s) && /\.git(?:#.+)?$/.test(s)) return true;
  return ['git://', 'github.com/', 'git@'].some((p) => s.startsWith(p));
}

/** moby parseRemoteURL + getRefAndSubdir: `URL#ref:subdir`. */
export function parseGitURL(url: string): GitRemote {
  const full = isHttp(url) || url.startsWith('git://') || url.startsWith('git@') ? url : `https://${url}`;
  const hash = full.indexOf('#');
  const remote = hash < 0 ? full : full.slice(0, hash);
  const fragment = hash < 0 ? '' : full.slice(hash + 1);
  const colon = fragment.indexOf(':');
  const ref = (colon < 0 ? fragment : fragment.slice(0, colon)) || 'master';
  const subdir = colon < 0 ? '' : fragment.slice(colon + 1);
  // A ref starting with '-' would be read by git as an option.
  if (ref.startsWith('-')) throw internal(`invalid refspec: ${ref}`);
  return { remote, ref, subdir };
}

/**
 * Runs git on the repository in `dir` (named explicitly, so no repository above it is ever
 * used); never prompts (a credential prompt would hang the daemon). `submodule` cannot take
 * --work-tree, so it runs inside the checkout, as dockerd runs it.
 */
async function git(dir: string, args: string[]): Promise<{ code: number; output: string }> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const argv = args[0] === 'submodule' ? args : ['--work-tree', dir, '--git-dir', path.join(dir, '.git'), ...args];
  const r = await runCommand('git', argv, { env, check: false, cwd: dir });
  return { code: r.code, output: r.stdout + r.stderr };
}

/** moby supportsShallowClone: every transport but a "dumb" HTTP server allows `--depth 1`. */
async function supportsShallowClone(remote: string): Promise<boolean> {
  if (!isHttp(remote)) return true;
  try {
    const res = await fetch(`${remote}/info/refs?service=git-upload-pack`, { method: 'HEAD' });
    return res.status === 200 && res.headers.get('content-type') === 'application/x-git-upload-pack-advertisement';
  } catch {
    return false;
  }
}

/**
 * Clones `url` into `root` (an empty directory the caller owns and removes) and returns the
 * context directory: `root` or its subdirectory from the fragment, resolved inside the checkout.
 */
export async function cloneGitContext(url: string, root: string): Promise<string> {
  const repo = parseGitURL(url);
  const step = async (args: string[], what: string) => {
    const r = await git(root, args);
    if (r.code !== 0) throw internal(`${what}: ${r.output}: exit status ${r.code}`);
    return r;
  };
  await step(['init'], `failed to init repo at ${root}`);
  await step(['remote', 'add', 'origin', repo.remote], 'failed to add origin');
  const depth = (await supportsShallowClone(repo.remote)) ? ['--depth', '1'] : [];
  await step(['fetch', ...depth, 'origin', '--', repo.ref], 'error fetching');
  // By name first (a branch then becomes HEAD); else the commit just fetched (a tag, a sha).
  const byName = await git(root, ['checkout', repo.ref]);
  if (byName.code !== 0 && (await git(root, ['checkout', 'FETCH_HEAD'])).code !== 0) {
    throw internal(`error checking out ${repo.ref}: ${byName.output}: exit status ${byName.code}`);
  }
  const sub = await git(root, ['submodule', 'update', '--init', '--recursive', '--depth=1']);
  if (sub.code !== 0) throw internal(`error initializing submodules: ${sub.output}: exit status ${sub.code}`);
  if (repo.subdir === '') return root;
  const clean = goClean(repo.subdir);
  if (clean === '..' || clean.startsWith('../')) {
    throw internal(`error setting git context, ${JSON.stringify(repo.subdir)} not within git root`);
  }
  const target = await secureJoin(plainTree(root), clean);
  const st = await fs.stat(target.host).catch(() => undefined);
  if (!st) throw internal(`stat ${target.host}: no such file or directory`);
  if (!st.isDirectory()) throw internal(`error setting git context, not a directory: ${target.host}`);
  return target.host;
}
