/**
 * `--env-file` / `--label-file` reading and the key=value helpers of the docker CLI (opts/file.go,
 * opts/envfile.go, opts/opts.go), with its error messages.
 */
import { readFileSync } from 'node:fs';

/** A Node fs error in Go's words: `open /x: no such file or directory`. */
export function goOpenError(file: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
  };
  return new Error(`open ${file}: ${why[code ?? ''] ?? (err as Error).message}`);
}

/**
 * parseKeyValueFile: one `KEY=value` per line, `#` comments and blank lines skipped, a UTF-8 BOM
 * dropped; a bare `KEY` takes its value from `lookup` when given and present.
 */
export function parseKeyValueFile(file: string, lookup?: (key: string) => string | undefined): string[] {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw goOpenError(file, e);
  }
  const text = buf.toString('utf8');
  if (Buffer.from(text, 'utf8').compare(buf) !== 0) throw new Error(`env file ${file} contains invalid utf8 bytes`);
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  for (const raw of lines) {
    const line = raw.replace(/^\s+/u, '');
    if (line.length === 0 || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const variable = (eq < 0 ? line : line.slice(0, eq)).replace(/^[ \t]+/, '');
    if (/[ \t]/.test(variable)) throw new Error(`poorly formatted environment: variable '${variable}' contains whitespaces`);
    if (variable.length === 0) throw new Error(`poorly formatted environment: no variable name on line '${line}'`);
    if (eq >= 0) out.push(`${variable}=${line.slice(eq + 1)}`);
    else if (lookup) {
      const value = lookup(line);
      out.push(value === undefined ? line.trim() : `${line.trim()}=${value}`);
    }
    // Without a lookup (label files) docker 28 drops a bare key.
  }
  return out;
}

/** opts.ReadKVEnvStrings: env files first (bare keys looked up in `env`), then `-e` values. */
export function readKVEnvStrings(files: readonly string[], override: readonly string[], env: NodeJS.ProcessEnv): string[] | null {
  const vars = files.flatMap((f) => parseKeyValueFile(f, (k) => env[k]));
  vars.push(...override);
  return vars.length ? vars : null;
}

/** opts.ReadKVStrings (labels): files first, then flags; bare keys stay bare. */
export function readKVStrings(files: readonly string[], override: readonly string[]): string[] {
  return [...files.flatMap((f) => parseKeyValueFile(f)), ...override];
}

/** opts.ConvertKVStringsToMap: `k=v` → {k: v}, a bare `k` → {k: ""}; later keys win. */
export function kvStringsToMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/**
 * docker's ParseProxyConfig round trip over `-e` values: a map keyed by variable name, so a
 * later `-e K=…` replaces an earlier one (docker then emits the map in Go's random order; we
 * keep the first-seen order).
 */
export function dedupeEnv(values: readonly string[]): string[] {
  const map = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    map.set(eq < 0 ? v : v.slice(0, eq), v);
  }
  return [...map.values()];
}
