/**
 * Expression evaluation for the template executor (text/template/exec.go's eval functions):
 * pipelines, commands, fields and method calls, function calls with Go's argument checks, and
 * Go's error wording, located at the node being evaluated.
 */
import { convertArg, type FuncDef, type ParamType } from './func-def.js';
import { type FieldOptions, lookupField } from './field-access.js';
import { goQuote } from './go-strconv.js';
import { type ArgNode, type ChainNode, type CommandNode, type FieldNode, type Node, type NumberNode, nodeString, type PipeNode, type VariableNode } from './nodes.js';
import type { ParsedTemplate } from './parser.js';
import { TemplateError } from './template-error.js';
import { isTrue } from './values.js';

/** The `final` argument of a command when the pipeline has no previous value. */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

/** Evaluation state: the variable stack and the node being evaluated (for error locations). */
export class Evaluator {
  vars: Array<{ name: string; value: unknown }> = [];
  protected node: Node | null = null;

  constructor(
    protected readonly tmpl: ParsedTemplate,
    private readonly funcs: ReadonlyMap<string, FuncDef>,
    private readonly opts: FieldOptions,
  ) {}

  errorf(msg: string, cause?: unknown): never {
    const name = this.tmpl.name;
    if (!this.node) throw new TemplateError('exec', `template: ${name}: ${msg}`, { cause });
    const where = `${name}:${lineCol(this.tmpl.text, this.node.pos)}`;
    throw new TemplateError('exec', `template: ${where}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${msg}`, { cause });
  }

  protected at(n: Node): void {
    this.node = n;
  }

  protected varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  protected setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], value);
      else this.vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first.ident, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'number':
        return numberValue(first);
      case 'string':
        return first.text;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
    }
  }

  private evalChain(dot: unknown, chain: ChainNode, args: ArgNode[] | null, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const recv = this.evalArg(dot, 'any', chain.node, true);
    return this.evalFieldChain(dot, recv, chain, chain.field, args, final);
  }

  private evalVariable(dot: unknown, v: VariableNode, args: ArgNode[] | null, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]);
    if (v.ident.length === 1) {
      if (args) this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, recv: unknown, node: Node, ident: string[], args: ArgNode[] | null, final: Final): unknown {
    this.at(node);
    for (let i = 0; i < ident.length - 1; i++) recv = this.evalField(dot, ident[i], node, null, MISSING, recv);
    return this.evalField(dot, ident[ident.length - 1], node, args, final, recv);
  }

  private evalField(dot: unknown, name: string, node: Node, args: ArgNode[] | null, final: Final, recv: unknown): unknown {
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    const r = lookupField(recv, name, hasArgs, this.opts);
    if (r.kind === 'error') this.errorf(r.message);
    if (r.kind === 'method') return this.evalCall(dot, r.fn, name, node, args ?? [], final);
    return r.value;
  }

  private evalFunction(dot: unknown, name: string, cmd: CommandNode, args: ArgNode[], final: Final): unknown {
    this.at(args[0]);
    const def = this.funcs.get(name);
    if (!def) this.errorf(`${goQuote(name)} is not a defined function`);
    if (name === 'and' || name === 'or') return this.evalAndOr(dot, name, cmd, args.slice(1), final);
    return this.evalCall(dot, def.fn, name, cmd, args, final, def);
  }

  /** `and`/`or` short-circuit: arguments are evaluated only until the result is known. */
  private evalAndOr(dot: unknown, name: 'and' | 'or', cmd: CommandNode, args: ArgNode[], final: Final): unknown {
    const n = args.length + (final === MISSING ? 0 : 1);
    if (n < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`);
    let v: unknown;
    for (const a of args) {
      v = this.evalArg(dot, 'any', a);
      if (isTrue(v) === (name === 'or')) return v;
    }
    this.at(cmd);
    return final === MISSING ? v : final;
  }

  private evalCall(dot: unknown, fn: (...a: unknown[]) => unknown, name: string, node: Node, args: ArgNode[], final: Final, def?: FuncDef): unknown {
    const argNodes = args.slice(1);
    const params: ParamType[] = def?.params ?? [];
    const variadic: ParamType | undefined = def ? def.variadic : 'any';
    const numIn = argNodes.length + (final === MISSING ? 0 : 1);
    if (def) {
      if (variadic && numIn < params.length) this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${argNodes.length}`);
      if (!variadic && numIn !== params.length) this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }
    const typeAt = (i: number): ParamType => (i < params.length ? params[i] : (variadic ?? 'any'));
    const argv = argNodes.map((a, i) => this.evalArg(dot, typeAt(i), a));
    if (final !== MISSING) argv.push(this.check(final, typeAt(argv.length)));
    try {
      return fn(...argv);
    } catch (e) {
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`, e);
    }
  }

  private check(v: unknown, t: ParamType): unknown {
    const r = convertArg(v, t);
    if (!r.ok) this.errorf(r.error);
    return r.value;
  }

  evalArg(dot: unknown, t: ParamType, n: ArgNode, raw = false): unknown {
    this.at(n);
    let v: unknown;
    switch (n.type) {
      case 'dot':
        v = dot;
        break;
      case 'nil':
        if (t !== 'any' && t !== 'strings') this.errorf(`cannot assign nil to ${t}`);
        return null;
      case 'field':
        v = this.evalFieldChain(dot, dot, n as FieldNode, n.ident, [n], MISSING);
        break;
      case 'variable':
        v = this.evalVariable(dot, n, null, MISSING);
        break;
      case 'pipe':
        v = this.evalPipeline(dot, n);
        break;
      case 'identifier':
        v = this.evalFunction(dot, n.ident, { type: 'command', pos: n.pos, args: [n] }, [n], MISSING);
        break;
      case 'chain':
        v = this.evalChain(dot, n, null, MISSING);
        break;
      case 'string':
        v = n.text;
        break;
      case 'bool':
        v = n.value;
        break;
      case 'number':
        v = numberValue(n);
        break;
    }
    return raw ? v : this.check(v, t);
  }

}

/** Go's ErrorContext position: 1-based line and 0-based byte column. */
function lineCol(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const line = 1 + (text.slice(0, pos).match(/\n/g)?.length ?? 0);
  return `${line}:${Buffer.byteLength(text.slice(lineStart, pos))}`;
}

/** A float literal with an integral value (`2.0`) stays a float64, boxed so it prints as one. */
function numberValue(n: NumberNode): unknown {
  return n.isFloat && Number.isInteger(n.value) ? new Number(n.value) : n.value;
}
