/**
 * docker's inspect output (cli/command/inspect): without a format, the daemon's raw JSON of all
 * objects as one array indented by Go's json.Indent (4 spaces, escapes kept byte for byte); with
 * a format, the template run on each object, one line each.
 */
import { parseDockerTemplate, TemplateError } from '../../lib/gotemplate/index.js';
import { CliError, errorText } from '../cli-error.js';

/**
 * Go's json.Indent: re-indents JSON text without re-encoding it (numbers and string escapes stay
 * as the daemon wrote them); empty arrays and objects stay `[]` and `{}`.
 */
export function goIndentJSON(src: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  const newline = () => `\n${indent.repeat(depth)}`;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      needIndent = false;
      depth++;
      out += newline();
    }
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '{' || c === '[') {
      out += c;
      needIndent = true;
    } else if (c === '}' || c === ']') {
      if (needIndent) needIndent = false; // empty: `[]`, `{}`
      else {
        depth--;
        out += newline();
      }
      out += c;
    } else if (c === ',') out += `,${newline()}`;
    else if (c === ':') out += ': ';
    else out += c;
  }
  return out;
}

/** Objects whose keys are all Capitalized stand for Go structs (a missing field is an error). */
export function isStructLike(o: object): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
}

/**
 * Adds Go field names that differ from the JSON keys (`ID` for `"Id"`, `APIVersion` for
 * `"ApiVersion"`) as hidden aliases: docker's templates run on typed structs first, so both
 * spellings work there. Hidden, so printing and `json` still show the JSON object only.
 */
export function withGoFieldAliases<T extends object>(value: T): T {
  const aliases: Record<string, string> = { ID: 'Id', APIVersion: 'ApiVersion' };
  const copy = { ...value } as Record<string, unknown>;
  for (const [goName, jsonName] of Object.entries(aliases)) {
    if (jsonName in copy && !(goName in copy)) Object.defineProperty(copy, goName, { value: copy[jsonName], enumerable: false });
  }
  return copy as T;
}

/** A parsed inspect template; parse errors exit 64 as in docker. */
export function parseInspectFormat(format: string) {
  try {
    return parseDockerTemplate(format);
  } catch (e) {
    if (e instanceof TemplateError) throw new CliError(`template parsing error: ${e.message}`, { exitCode: 64 });
    throw e;
  }
}

export interface InspectResult {
  /** What to print on stdout. */
  output: string;
  /** Errors to report (joined with newlines, exit status 1). */
  errors: string[];
}

/** Renders inspected objects (raw JSON text + parsed value) as docker does. */
export function renderInspect(objects: ReadonlyArray<{ raw: string; value: unknown }>, format: string | undefined): InspectResult {
  if (!format || format === 'json') {
    if (objects.length === 0) return { output: '[]\n', errors: [] };
    return { output: `${goIndentJSON(`[${objects.map((o) => o.raw.trim()).join(',')}]`)}\n`, errors: [] };
  }
  const tmpl = parseInspectFormat(format);
  let output = '';
  const errors: string[] = [];
  for (const o of objects) {
    try {
      output += `${tmpl.execute(withGoFieldAliases(o.value as object), { strictKeys: isStructLike })}\n`;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(`template parsing error: ${e.message}`);
    }
  }
  return { output: output || '\n', errors };
}

/**
 * docker's inspect loop, shared by `inspect` and every `X inspect`: a bad template fails before
 * any call; each name is fetched in turn, the objects found are printed, and the names that
 * failed are reported after them (exit status 1). `compactJson`: `--format json` prints the raw
 * objects as one compact array (docker's JSONInspector, as `volume inspect` does).
 */
export async function inspectEach(
  out: (text: string) => void,
  names: readonly string[],
  format: string | undefined,
  fetch: (name: string) => Promise<{ raw: string; value: unknown }>,
  opts: { compactJson?: boolean } = {},
): Promise<void> {
  if (format && format !== 'json') parseInspectFormat(format);
  const found: { raw: string; value: unknown }[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await fetch(n));
    } catch (e) {
      errors.push(errorText(e));
    }
  }
  if (format === 'json' && opts.compactJson) out(`[${found.map((o) => o.raw.trim()).join(',')}]\n`);
  else {
    const r = renderInspect(found, format);
    out(r.output);
    errors.push(...r.errors);
  }
  if (errors.length) throw new CliError(errors.join('\n'));
}
