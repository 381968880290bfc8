/**
 * docker's formatter.Context: renders rows (formatter contexts) with a `--format` string that is
 * either `table [TEMPLATE]` (a header row plus aligned columns), `json` (`{{json .}}`) or a raw Go
 * template printed once per row.
 */
import { type GoTemplate, GO_MARSHAL_JSON, GO_TYPE, HEADER_FUNCS, parseDockerTemplate } from '../../lib/gotemplate/index.js';
import { goJSON } from '../../lib/go-json.js';
import { TabWriter } from '../../lib/tabwriter/tabwriter.js';

export const TABLE_FORMAT_KEY = 'table';
export const JSON_FORMAT_KEY = 'json';
/** The format `-q/--quiet` selects. */
export const QUIET_FORMAT = '{{.ID}}';

export function isTableFormat(format: string): boolean {
  return format.startsWith(TABLE_FORMAT_KEY);
}

/** The template text docker executes for a format (preFormat). */
export function finalFormat(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice(TABLE_FORMAT_KEY.length);
  else if (f === JSON_FORMAT_KEY) f = '{{json .}}';
  return f.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** Parses a format's template (errors are TemplateErrors, printed as `template parsing error: …`). */
export function parseFormat(format: string): GoTemplate {
  return parseDockerTemplate(finalFormat(format));
}

/** docker's table writer settings: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export function newTableWriter(sink: (s: string) => void): TabWriter {
  return new TabWriter({ minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' }, sink);
}

/**
 * Renders rows with a format: each row's output plus a newline; for tables, first the header
 * row (the template run on the column titles with pass-through functions), all aligned.
 */
export function renderRows(format: string, rows: readonly object[], header: Record<string, string>): string {
  const tmpl = parseFormat(format);
  const body = rows.map((r) => `${tmpl.execute(r)}\n`).join('');
  if (!isTableFormat(format)) return body;
  let head = '';
  try {
    head = tmpl.execute(header, { funcs: HEADER_FUNCS });
  } catch {
    // docker ignores errors of the header row: it prints what it has.
  }
  let out = '';
  const w = newTableWriter((s) => {
    out += s;
  });
  w.write(`${head}\n${body}`);
  w.flush();
  return out;
}

/**
 * Base of formatter contexts: a Go struct (GO_TYPE) whose getters are the template fields, and
 * whose JSON is the map of all fields with sorted keys, as docker's MarshalJSON builds it.
 */
export abstract class FormatContext {
  abstract readonly [GO_TYPE]: string;
  /** The field names (getters) this context offers. */
  protected abstract fields(): readonly string[];

  [GO_MARSHAL_JSON](): string {
    const self = this as unknown as Record<string, unknown>;
    const names = [...this.fields()].sort();
    return goJSON(Object.fromEntries(names.map((n) => [n, self[n]])));
  }
}

/** Go's stringid.TruncateID: drops an `algo:` prefix and keeps 12 characters. */
export function truncateID(id: string): string {
  const i = id.indexOf(':');
  const hex = i >= 0 ? id.slice(i + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** docker's formatter.Ellipsis: truncates to a display width, ending in `…`. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const rs = [...s];
  if (max === 1) return rs[0] ?? '';
  if (rs.length <= max) return s;
  return `${rs.slice(0, max - 1).join('')}…`;
}
