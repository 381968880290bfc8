import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errnoCode, unavailable } from '../../errdefs/index.js';
import { DEBIAN_SUITES } from './debian-suites.js';

/** One apt source: what sources.list(5) calls an entry, in either of its two formats. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** The file it came from, for messages. */
  file: string;
}

/**
 * Parses the one-line format: `deb [opt=val ...] URI SUITE [COMPONENT...]`, `#` comments.
 * Options are skipped: none of them changes where the archive is.
 */
export function parseOneLineSources(text: string, file = 'sources.list'): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const type = line.split(/\s+/, 1)[0]!;
    line = line.slice(type.length).trim();
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) continue; // malformed: apt rejects it too
      line = line.slice(end + 1).trim();
    }
    const [uri, suite, ...components] = line.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ types: [type], uris: [uri], suites: [suite], components, file });
  }
  return out;
}

/**
 * Parses the deb822 format (`*.sources`): stanzas of `Field: value` separated by blank lines,
 * continuation lines indented, `#` comment lines; stanzas with `Enabled: no` are skipped.
 */
export function parseDeb822Sources(text: string, file = 'debian.sources'): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last !== undefined) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    const list = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter((s) => s !== '');
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const src: AptSource = { types: list('types'), uris: list('uris'), suites: list('suites'), components: list('components'), file };
    if (src.types.length > 0 && src.uris.length > 0 && src.suites.length > 0) out.push(src);
  }
  return out;
}

/**
 * Reads the sources apt itself reads: `sources.list` and `sources.list.d/*.list|*.sources`
 * (apt ignores other names, e.g. `foo.list.disabled`), in apt's order.
 */
export async function readAptSources(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const read = async (file: string): Promise<string | undefined> => {
    try {
      return await fs.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  };
  const out: AptSource[] = [];
  const main = path.join(etcApt, 'sources.list');
  const mainText = await read(main);
  if (mainText !== undefined) out.push(...parseOneLineSources(mainText, main));
  const dir = path.join(etcApt, 'sources.list.d');
  const names = await fs.readdir(dir).catch((err: unknown) => (errnoCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    if (!/^[\w.-]+\.(list|sources)$/.test(name)) continue;
    const text = await read(file);
    if (text === undefined) continue;
    out.push(...(name.endsWith('.sources') ? parseDeb822Sources(text, file) : parseOneLineSources(text, file)));
  }
  return out;
}

/**
 * The Debian archive among the sources: the first `deb` source over http(s) that serves a Debian
 * suite (a codename or alias — not `-security`, not `-updates`, not a third-party `nodistro`)
 * with the `main` component. debootstrap needs exactly that: the main archive, not security.
 */
export function debianMirror(sources: readonly AptSource[]): string {
  for (const s of sources) {
    if (!s.types.includes('deb')) continue;
    if (!s.suites.some((suite) => DEBIAN_SUITES.has(suite))) continue;
    if (s.components.length > 0 && !s.components.includes('main')) continue;
    const uri = s.uris.find((u) => /^https?:\/\//.test(u));
    if (uri) return uri.replace(/\/+$/, '');
  }
  throw unavailable('no Debian mirror found in the apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d)', {
    hint: 'pass one with --mirror URL, e.g. --mirror http://deb.debian.org/debian',
  });
}
