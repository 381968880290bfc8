import { promises as fs } from 'node:fs';
import { errnoCode, invalidArgument } from '../../errdefs/index.js';
import { plainTree, secureJoin } from '../../lib/tar/secure-join.js';

/** A numeric owner. */
export interface Identity {
  uid: number;
  gid: number;
}

/** Reads `/etc/<file>` of a root filesystem (symlinks resolved inside it); `open …` error text when missing. */
async function readEtc(root: string, file: 'passwd' | 'group'): Promise<string> {
  const r = await secureJoin(plainTree(root), `/etc/${file}`);
  try {
    return await fs.readFile(r.host, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new Error(`open /etc/${file}: no such file or directory`);
    throw err;
  }
}

/** The id field (`field` 2) of the first `name:…` line, as runc's user.ParsePasswdFileFilter finds it. */
async function lookup(root: string, file: 'passwd' | 'group', name: string, kind: 'user' | 'group'): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of (await readEtc(root, file)).split('\n')) {
    const parts = line.split(':');
    if (parts[0] === name && parts.length >= 3 && /^\d+$/.test(parts[2]!)) return Number(parts[2]);
  }
  throw new Error(`no such ${kind}: ${name}`);
}

/**
 * moby parseChownFlag: `user[:group]`, names looked up in the destination image's /etc/passwd
 * and /etc/group (a lone user also names the group), numbers taken as they are.
 */
export async function parseChown(chown: string, root: string): Promise<Identity> {
  const parts = chown.split(':');
  if (parts.length > 2) throw invalidArgument(`unable to convert uid/gid chown string to host mapping: invalid chown string format: ${chown}`);
  const [user, group] = parts.length === 1 ? [parts[0]!, parts[0]!] : [parts[0]!, parts[1]!];
  const wrap = (what: string, err: unknown) =>
    invalidArgument(`unable to convert uid/gid chown string to host mapping: can't find ${what}: ${(err as Error).message}`);
  let uid: number;
  let gid: number;
  try {
    uid = await lookup(root, 'passwd', user, 'user');
  } catch (err) {
    throw wrap(`uid for user ${user}`, err);
  }
  try {
    gid = await lookup(root, 'group', group, 'group');
  } catch (err) {
    throw wrap(`gid for group ${group}`, err);
  }
  return { uid, gid };
}

/** `--chmod=0755`: octal only (BuildKit's rule). */
export function parseChmod(chmod: string): number {
  if (!/^[0-7]{1,4}$/.test(chmod)) throw invalidArgument(`invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`);
  return Number.parseInt(chmod, 8);
}
