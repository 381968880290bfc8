/**
 * Instruction flags (`--from=x`, `--link`, repeated `--mount=…`) with Docker's BFlags rules and
 * error messages.
 */
import type { Flag } from './ast.js';
import { fail } from './errors.js';

/** How a flag takes values. */
export type FlagType = 'bool' | 'string' | 'strings';

/** The parsed values: strings for string flags, booleans for bool flags, arrays for `strings` flags. */
export interface FlagValues {
  strings: Map<string, string>;
  bools: Map<string, boolean>;
  lists: Map<string, string[]>;
}

/** Turns raw flag words (`--name=value`) into the AST's {@link Flag} list. */
export function rawFlags(words: string[]): Flag[] {
  const out: Flag[] = [];
  for (const w of words) {
    if (w === '--') break;
    const body = w.startsWith('--') ? w.slice(2) : w;
    const eq = body.indexOf('=');
    out.push(eq < 0 ? { name: body } : { name: body.slice(0, eq), value: body.slice(eq + 1) });
  }
  return out;
}

/**
 * Checks `words` against the flags an instruction accepts (`spec`), as BFlags.Parse does:
 * unknown, duplicated, valueless and non-boolean flags are errors.
 */
export function parseFlags(words: string[], spec: Record<string, FlagType>): FlagValues {
  const values: FlagValues = { strings: new Map(), bools: new Map(), lists: new Map() };
  const used = new Set<string>();
  for (const word of words) {
    if (!word.startsWith('--')) fail(`Arg should start with -- : ${word}`);
    if (word === '--') break;
    let name = word.slice(2);
    let value = '';
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const type = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (type === undefined) fail(`Unknown flag: ${name}`);
    if (used.has(name) && type !== 'strings') fail(`Duplicate flag specified: ${name}`);
    used.add(name);
    if (type === 'bool') {
      if (eq >= 0 && value === '') fail(`Missing a value on flag: ${name}`);
      const lower = value.toLowerCase();
      if (lower !== '' && lower !== 'true' && lower !== 'false') fail(`Expecting boolean value for flag ${name}, not: ${value}`);
      values.bools.set(name, lower !== 'false');
    } else {
      if (eq < 0) fail(`Missing a value on flag: ${name}`);
      if (type === 'string') values.strings.set(name, value);
      else values.lists.set(name, [...(values.lists.get(name) ?? []), value]);
    }
  }
  return values;
}
