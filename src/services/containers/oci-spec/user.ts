import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciUser } from '../../../core/runtime/oci-spec-types.js';
import { invalidArgument } from '../../../errdefs/index.js';
import type { UserDb } from './spec-input.js';

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2147483647;

/** A non-negative integer id, or NaN for a name (Go's strconv.Atoi succeeded or not). */
function numeric(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : Number.NaN;
}

function checkRange(id: number): number {
  if (id < 0 || id > MAX_ID) throw invalidArgument(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** Parses /etc/passwd (name:pw:uid:gid:gecos:home:shell). Malformed lines are skipped like libcontainer does. */
export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]) || 0, gid: Number(f[3]) || 0, home: f[5] ?? '' }));
}

/** Parses /etc/group (name:pw:gid:member,member). */
export function parseGroup(text: string): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0]!, gid: Number(f[2]) || 0, members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** The primary group and supplementary groups of a user spec, per libcontainer's GetExecUser. */
function resolveGroups(groupArg: string, matchedName: string, db: UserDb, user: { gid: number; sgids: number[] }): void {
  if (groupArg === '' && matchedName === '') return;
  const groups = db.group === undefined ? [] : parseGroup(db.group);
  if (groupArg === '') {
    // Implicit form: the user's supplementary groups are those listing it as a member.
    user.sgids = groups.filter((g) => g.members.includes(matchedName)).map((g) => g.gid);
    return;
  }
  const gidArg = numeric(groupArg);
  const match = groups.find((g) => (Number.isNaN(gidArg) ? g.name === groupArg : g.gid === gidArg));
  if (match) user.gid = match.gid;
  else if (Number.isNaN(gidArg)) throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
  else user.gid = checkRange(gidArg);
}

/** `--group-add` entries as gids: names looked up in /etc/group, numbers taken as they are. */
function additionalGroups(groupAdd: readonly string[], db: UserDb): number[] {
  const groups = db.group === undefined ? [] : parseGroup(db.group);
  const gids: number[] = [];
  for (const ag of groupAdd) {
    const match = groups.find((g) => g.name === ag || String(g.gid) === ag);
    let gid: number;
    if (match) gid = match.gid;
    else if (Number.isNaN(numeric(ag))) throw invalidArgument(`Unable to find group ${ag}`);
    else gid = checkRange(numeric(ag));
    if (!gids.includes(gid)) gids.push(gid);
  }
  return gids;
}

/**
 * Resolves `-u user[:group]` against the image's /etc/passwd and /etc/group the way Docker does
 * (libcontainer GetExecUser + moby getUser): a name must exist (`unable to find user xyz: no
 * matching entries in passwd file`), a number need not; without an explicit group the user's
 * primary gid and its member groups apply. additionalGids = [gid, member groups…, --group-add…].
 */
export function resolveUser(userSpec: string, groupAdd: readonly string[], db: UserDb): OciUser {
  const [userArg = '', groupArg = ''] = splitOnce(userSpec, ':');
  const user = { uid: 0, gid: 0, sgids: [] as number[] };
  const uidArg = numeric(userArg);
  const passwd = db.passwd === undefined ? [] : parsePasswd(db.passwd);
  const found = passwd.find((u) => (Number.isNaN(uidArg) ? u.name === userArg : u.uid === uidArg));
  let matchedName = '';
  if (found) {
    matchedName = found.name;
    user.uid = found.uid;
    user.gid = found.gid;
  } else if (userArg !== '') {
    if (Number.isNaN(uidArg)) throw invalidArgument(`unable to find user ${userArg}: no matching entries in passwd file`);
    user.uid = checkRange(uidArg);
  }
  resolveGroups(groupArg, matchedName, db, user);
  return { uid: user.uid, gid: user.gid, additionalGids: [user.gid, ...user.sgids, ...additionalGroups(groupAdd, db)] };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Reads etc/passwd and etc/group of a rootfs. The paths are resolved inside the rootfs: a
 * symlinked /etc/passwd pointing outside must not make the daemon read the host's file, so
 * symlinks are refused (O_NOFOLLOW on the file; parents checked to be real directories).
 */
export async function readUserDb(rootfs: string): Promise<UserDb> {
  const read = async (rel: string): Promise<string | undefined> => {
    const etc = path.join(rootfs, 'etc');
    try {
      if (!(await fs.lstat(etc)).isDirectory()) return undefined;
      const fh = await fs.open(path.join(etc, rel), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        return await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    } catch {
      return undefined;
    }
  };
  const db: UserDb = {};
  const passwd = await read('passwd');
  const group = await read('group');
  if (passwd !== undefined) db.passwd = passwd;
  if (group !== undefined) db.group = group;
  return db;
}
