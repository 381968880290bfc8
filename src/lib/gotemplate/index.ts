/**
 * A Go text/template engine for docker-style `--format` strings.
 *
 * ```ts
 * const t = parseDockerTemplate('{{.Repository}}:{{.Tag}}');
 * t.execute({ Repository: 'busybox', Tag: 'latest' }); // "busybox:latest"
 * ```
 *
 * Values follow the mapping documented in values.ts (plain objects are Go maps; mark an object
 * with GO_TYPE to make it a struct whose getters and methods are callable as `.Field`/`.Method`).
 * Errors are TemplateErrors (InvalidArgument) worded like Go's.
 */
import { BUILTINS } from './builtins.js';
import { DOCKER_FUNCS, DOCKER_HEADER_FUNCS } from './docker-funcs.js';
import { type ExecOptions, execute } from './exec.js';
import { type FuncDef, type FuncMap, toFuncDef } from './func-def.js';
import { type ParsedTemplate, parse } from './parser.js';

export { DOCKER_FUNCS, DOCKER_HEADER_FUNCS, goMarshal, goTitle } from './docker-funcs.js';
export type { ExecOptions } from './exec.js';
export type { FuncDef, FuncMap, ParamType } from './func-def.js';
export { formatFloat } from './go-float.js';
export { formatValue, sprint, sprintf, sprintln } from './go-fmt.js';
export { goQuote } from './go-strconv.js';
export { TemplateError } from './template-error.js';
export { GO_MARSHAL_JSON, GO_TYPE, isTrue } from './values.js';

export interface TemplateOptions {
  /** Template name, shown in errors (`template: NAME:1:2: …`). Docker's formatters use "". */
  name?: string;
  /** Functions besides Go's builtins. */
  funcs?: FuncMap;
}

export interface ExecuteOptions extends ExecOptions {
  /** Replaces functions for this execution only (docker renders table headers this way). */
  funcs?: FuncMap;
}

/** A parsed template, executable any number of times. */
export class GoTemplate {
  constructor(
    readonly parsed: ParsedTemplate,
    private readonly funcs: ReadonlyMap<string, FuncDef>,
  ) {}

  /** Runs the template on `data` and returns the text. Throws TemplateError. */
  execute(data: unknown, opts: ExecuteOptions = {}): string {
    let funcs = this.funcs;
    if (opts.funcs) {
      const m = new Map(funcs);
      for (const [k, f] of Object.entries(opts.funcs)) m.set(k, toFuncDef(f));
      funcs = m;
    }
    return execute(this.parsed, funcs, data, opts);
  }
}

/** Parses a template with Go's builtins plus `opts.funcs`. Throws TemplateError. */
export function parseTemplate(text: string, opts: TemplateOptions = {}): GoTemplate {
  const funcs = new Map<string, FuncDef>(Object.entries(BUILTINS));
  for (const [k, f] of Object.entries(opts.funcs ?? {})) funcs.set(k, toFuncDef(f));
  return new GoTemplate(parse(text, new Set(funcs.keys()), opts.name ?? ''), funcs);
}

/** Parses a template the way the docker CLI does: builtins plus docker's functions. */
export function parseDockerTemplate(text: string, opts: TemplateOptions = {}): GoTemplate {
  return parseTemplate(text, { ...opts, funcs: { ...DOCKER_FUNCS, ...opts.funcs } });
}

/** Functions for rendering a `table` header row with a template parsed by parseDockerTemplate. */
export const HEADER_FUNCS: FuncMap = DOCKER_HEADER_FUNCS;
