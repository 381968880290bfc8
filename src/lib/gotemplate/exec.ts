/**
 * The executor of Go's text/template (text/template/exec.go) over the JS value model of
 * values.ts: walks the tree, evaluates pipelines, prints values with Go's fmt, and reports errors
 * as Go does: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`.
 */
import { Evaluator } from './evaluator.js';
import type { FieldOptions } from './field-access.js';
import type { FuncDef } from './func-def.js';
import { formatValue } from './go-fmt.js';
import { goQuote } from './go-strconv.js';
import { type BranchNode, type ListNode, type Node, nodeString, type PipeNode } from './nodes.js';
import type { ParsedTemplate } from './parser.js';
import { TemplateError } from './template-error.js';
import { isTrue, kindOf, mapEntries } from './values.js';

/**
 * `missingKey` is Go's `missingkey` option: what a missing map key yields (default 'invalid',
 * printed `<no value>`). `strictKeys` names objects for which a missing key is an error (`map
 * has no entry for key "X"`): data standing for Go structs, e.g. inspect output.
 */
export type ExecOptions = FieldOptions;

class BreakSignal {}
class ContinueSignal {}
const MAX_DEPTH = 10000;

/** Executes a parsed template against `data`, returning the output text. */
export function execute(tmpl: ParsedTemplate, funcs: ReadonlyMap<string, FuncDef>, data: unknown, opts: ExecOptions = {}): string {
  const st = new State(tmpl, funcs, opts);
  st.vars.push({ name: '$', value: data });
  try {
    st.walk(data, tmpl.root);
  } catch (e) {
    if (e instanceof TemplateError) e.partialOutput = st.out.join('');
    throw e;
  }
  return st.out.join('');
}

/** Walks the tree, writing text and printed values (text/template/exec.go's walk functions). */
class State extends Evaluator {
  readonly out: string[] = [];
  private depth = 0;

  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      case 'if':
      case 'with':
        this.walkIfOrWith(node.type, dot, node);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template':
        this.walkTemplate(dot, node.name, node.pipe);
        return;
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(type: 'if' | 'with', dot: unknown, n: BranchNode): void {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, n.pipe);
    if (isTrue(val)) this.walk(type === 'with' ? val : dot, n.list);
    else if (n.elseList) this.walk(dot, n.elseList);
    this.vars.length = mark;
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r.pipe);
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, r.pipe);
    const inner = this.vars.length;
    const decl = r.pipe.decl;
    const one = (index: unknown, elem: unknown): boolean => {
      if (decl.length > 0) {
        const first = decl.length > 1 ? index : elem;
        if (r.pipe.isAssign) this.setVar(decl[0].ident[0], first);
        else this.vars[inner - decl.length].value = first;
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1].ident[0], elem);
        else this.vars[inner - 1].value = elem;
      }
      try {
        this.walk(elem, r.list);
      } catch (e) {
        if (e instanceof BreakSignal) return false;
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.vars.length = inner;
      }
      return true;
    };
    const items = rangeItems(val);
    if (!items) this.errorf(`range can't iterate over ${formatValue(val, 'v')}`);
    for (const [k, v] of items) if (!one(k, v)) break;
    if (items.length === 0 && r.elseList) this.walk(dot, r.elseList);
    this.vars.length = mark;
  }

  private walkTemplate(dot: unknown, name: string, pipe: PipeNode | null): void {
    const list = this.tmpl.defined.get(name);
    if (!list) this.errorf(`template ${goQuote(name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = pipe ? this.evalPipeline(dot, pipe) : undefined;
    const saved = this.vars;
    this.vars = [{ name: '$', value: newDot }];
    this.depth++;
    try {
      this.walk(newDot, list as ListNode);
    } finally {
      this.depth--;
      this.vars = saved;
    }
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type func`);
    this.out.push(formatValue(v, 'v'));
  }
}


/** What `range` iterates: (index, element) of slices, sorted (key, value) of maps, 0..n-1 of n. */
function rangeItems(val: unknown): Array<[unknown, unknown]> | null {
  switch (kindOf(val)) {
    case 'slice':
      return Array.from(val as ArrayLike<unknown>, (x, i) => [i, x]);
    case 'map':
      return mapEntries(val as object);
    case 'int':
      return Array.from({ length: Math.max(0, Number(val)) }, (_, i) => [i, i]);
    case 'invalid':
    case 'nil':
      return []; // a nil map or slice acts like an empty one
    default:
      return null;
  }
}

