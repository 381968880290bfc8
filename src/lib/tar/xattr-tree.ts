import { internal } from '../../errdefs/index.js';
import { runCommand } from '../exec-file.js';

/** Extended attributes by path relative to the walked root (`''` is the root itself). */
export type XattrTree = Map<string, Map<string, Buffer>>;

/**
 * Reads every extended attribute under `root` (symlinks are examined, never followed) with one
 * `getfattr -R` run: Node has no getxattr, and one walk in C costs far less than a process per
 * file. Only files that have attributes appear in the result.
 */
export async function readXattrTree(root: string): Promise<XattrTree> {
  const res = await runCommand('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', root], { check: false });
  if (res.code !== 0 && res.stdout === '') {
    // No output and a failure: the walk itself failed (an empty tree just prints nothing).
    if (res.stderr.trim() !== '') throw internal(`reading extended attributes of ${root} failed: ${res.stderr.trim()}`);
  }
  return parseDump(res.stdout, root);
}

function parseDump(dump: string, root: string): XattrTree {
  const out: XattrTree = new Map();
  let current: Map<string, Buffer> | undefined;
  for (const line of dump.split('\n')) {
    if (line.startsWith('# file: ')) {
      const file = unquote(line.slice(8));
      const rel = file === root ? '' : file.startsWith(`${root}/`) ? file.slice(root.length + 1) : undefined;
      current = rel === undefined ? undefined : new Map();
      if (current) out.set(rel!, current);
      continue;
    }
    if (!current || line === '') continue;
    const eq = line.indexOf('=');
    const name = unquote(eq < 0 ? line : line.slice(0, eq));
    const raw = eq < 0 ? '' : line.slice(eq + 1);
    current.set(name, decodeValue(raw));
  }
  return out;
}

function decodeValue(raw: string): Buffer {
  if (raw.startsWith('0s')) return Buffer.from(raw.slice(2), 'base64');
  if (raw.startsWith('0x')) return Buffer.from(raw.slice(2), 'hex');
  if (raw.startsWith('"') && raw.endsWith('"')) return Buffer.from(unquote(raw.slice(1, -1)), 'utf8');
  return Buffer.from(raw, 'utf8');
}

/** Undoes getfattr's quoting: `\ooo` octal escapes stand for raw bytes. */
function unquote(s: string): string {
  if (!s.includes('\\')) return s;
  const bytes: number[] = [];
  const src = Buffer.from(s, 'utf8');
  for (let i = 0; i < src.length; i++) {
    if (src[i] === 0x5c && i + 3 < src.length && /^[0-7]{3}$/.test(src.toString('latin1', i + 1, i + 4))) {
      bytes.push(Number.parseInt(src.toString('latin1', i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(src[i]);
  }
  return Buffer.from(bytes).toString('utf8');
}
