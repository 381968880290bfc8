/** COPY and ADD: sources, destination, heredoc sources and flags (buildkit parseCopy/parseAdd). */
import type { AddInstruction, CopyInstruction, Heredoc } from './ast.js';
import { fail } from './errors.js';
import { parseHeredocMarker } from './heredoc.js';
import { baseOf, flagsOf, heredocBody, type InstructionInput } from './instruction-input.js';
import { parseMaybeJSONToList } from './words.js';

/** Parses COPY or ADD. */
export function parseCopyInstruction(input: InstructionInput): CopyInstruction | AddInstruction {
  const kind = input.kind as 'COPY' | 'ADD';
  const { words } = parseMaybeJSONToList(input.args);
  if (words.length < 2) fail(`${kind} requires at least two arguments, but only one was provided. Destination could not be determined`);
  const common = { chown: 'string', chmod: 'string', link: 'bool', exclude: 'strings' } as const;
  const flags =
    kind === 'COPY'
      ? flagsOf(input, { ...common, from: 'string', parents: 'bool' })
      : flagsOf(input, { ...common, 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool' });
  const dest = words[words.length - 1];
  if (parseHeredocMarker(dest)) fail(`${kind} cannot accept a heredoc as a destination`);
  const sources: string[] = [];
  const heredocSources: Heredoc[] = [];
  for (const src of words.slice(0, -1)) {
    const marker = parseHeredocMarker(src);
    if (!marker) {
      sources.push(src);
      continue;
    }
    // Docker looks the body up by name; a marker without a body (JSON form) is an empty file.
    const body = heredocBody(input.line.heredocs, marker.name);
    heredocSources.push({ ...marker, content: body?.content ?? '' });
  }
  const base = {
    ...baseOf(input),
    sources,
    heredocSources,
    dest,
    link: flags.bools.get('link') ?? false,
    excludes: flags.lists.get('exclude') ?? [],
  };
  const chown = flags.strings.get('chown');
  const chmod = flags.strings.get('chmod');
  const optional = { ...(chown ? { chown } : {}), ...(chmod ? { chmod } : {}) };
  if (kind === 'COPY') {
    const from = flags.strings.get('from');
    return { kind, ...base, ...optional, ...(from ? { from } : {}), parents: flags.bools.get('parents') ?? false };
  }
  const checksum = flags.strings.get('checksum');
  return { kind, ...base, ...optional, ...(checksum ? { checksum } : {}), keepGitDir: flags.bools.get('keep-git-dir') ?? false };
}
