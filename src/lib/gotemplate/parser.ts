/**
 * The parser of Go's text/template (text/template/parse/parse.go): builds the node tree from the
 * lexer's tokens with Go's grammar and Go's error messages (`template: NAME:LINE: …`).
 */
import { goQuote, goUnquote, parseGoNumber } from './go-strconv.js';
import { lex, type Token, type TokenType } from './lexer.js';
import { TokenCursor } from './token-cursor.js';
import { type ArgNode, type BranchNode, type CommandNode, type ListNode, type Node, type NumberNode, nodeString, type PipeNode, type VariableNode } from './nodes.js';

/** A parsed template: its main tree and any `{{define}}`d / `{{block}}` templates. */
export interface ParsedTemplate {
  name: string;
  text: string;
  root: ListNode;
  defined: Map<string, ListNode>;
}

const OPERAND_START = new Set<TokenType>(['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen']);

type EndMarker = { type: 'end'; pos: number } | { type: 'else'; pos: number };

class Parser extends TokenCursor {
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  readonly defined = new Map<string, ListNode>();

  constructor(
    name: string,
    text: string,
    private readonly funcs: ReadonlySet<string>,
  ) {
    super(name, lex(text));
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected {{${n.type}}}`);
      root.nodes.push(n);
    }
    return root;
  }

  private parseDefinition(): void {
    const tok = this.nextNonSpace();
    if (tok.type !== 'string' && tok.type !== 'rawString') this.unexpected(tok, 'define clause');
    const name = this.unquote(tok);
    this.expect('rightDelim', 'define clause');
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected {{${end.type}}} in define clause`);
    this.defined.set(name, list);
  }

  private itemList(): [ListNode, EndMarker] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF', this.peekNonSpace());
  }

  private textOrAction(): Node | EndMarker {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { type: 'text', pos: t.pos, text: t.val };
    if (t.type === 'leftDelim') return this.action();
    this.unexpected(t, 'input');
  }

  private action(): Node | EndMarker {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block':
        return this.templateControl(true);
      case 'break':
      case 'continue':
        this.expect('rightDelim', `{{${t.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${t.type}}} outside {{range}}`, t);
        return { type: t.type, pos: t.pos };
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with':
        return { type: t.type, ...this.parseControl(t.type) };
      case 'template':
        return this.templateControl(false);
    }
    this.backup();
    const pos = this.peek().pos;
    return { type: 'action', pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private elseControl(): EndMarker {
    const p = this.peekNonSpace();
    // `{{else if …}}` / `{{else with …}}` leave the keyword pending for parseControl.
    if (p.type === 'if' || p.type === 'with') return { type: 'else', pos: p.pos };
    return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private parseControl(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'rightDelim');
    if (context === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === 'else') {
      const kw = this.peek().type;
      if ((context === 'if' && kw === 'if') || (context === 'with' && kw === 'with')) {
        // `{{if a}}x{{else if b}}y{{end}}` is `{{if a}}x{{else}}{{if b}}y{{end}}{{end}}`.
        this.next();
        elseList = { type: 'list', pos: next.pos, nodes: [{ type: kw, ...this.parseControl(kw) }] };
      } else {
        const [els, end] = this.itemList();
        if (end.type !== 'end') this.errorf(`expected end; found {{${end.type}}}`);
        elseList = els;
      }
    }
    this.vars.length = mark;
    return { pos: pipe.pos, pipe, list, elseList };
  }

  private templateControl(isBlock: boolean): Node {
    const context = isBlock ? 'block clause' : 'template clause';
    const tok = this.nextNonSpace();
    if (tok.type !== 'string' && tok.type !== 'rawString') this.unexpected(tok, context);
    const name = this.unquote(tok);
    let pipe: PipeNode | null = null;
    if (isBlock) {
      pipe = this.pipeline(context, 'rightDelim');
      const outerVars = this.vars;
      this.vars = ['$'];
      const [list, end] = this.itemList();
      this.vars = outerVars;
      if (end.type !== 'end') this.errorf(`unexpected {{${end.type}}} in ${context}`);
      this.defined.set(name, list);
    } else if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: tok.pos, name, pipe };
  }

  private pipeline(context: string, end: TokenType): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    this.parseDeclarations(pipe, context);
    while (true) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(t.type)) this.unexpected(t, context);
      this.backup();
      pipe.cmds.push(this.command());
    }
  }

  private parseDeclarations(pipe: PipeNode, context: string): void {
    while (this.peekNonSpace().type === 'variable') {
      const save = this.i;
      const v = this.nextNonSpace();
      const next = this.peekNonSpace();
      const variable: VariableNode = { type: 'variable', pos: v.pos, ident: [v.val] };
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(variable);
        this.vars.push(v.val);
        return;
      }
      if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(variable);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      return;
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0].type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    while (true) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        // Go gives the merged node the position of the first trailing field (`.B` in `.A.B`).
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { type: 'chain', pos, node, field: fields };
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.funcs.has(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`, t);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        return this.useVar(t);
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t) };
    }
    this.backup();
    return null;
  }

  private useVar(t: Token): VariableNode {
    const ident = t.val.split('.');
    if (!this.vars.includes(ident[0])) this.errorf(`undefined variable ${goQuote(ident[0])}`, t);
    return { type: 'variable', pos: t.pos, ident };
  }

  private unquote(t: Token): string {
    const s = goUnquote(t.val);
    if (s === null) this.errorf('invalid syntax', t);
    return s;
  }

  private number(t: Token): NumberNode {
    const n = parseGoNumber(t.val, t.type === 'charConstant');
    if (typeof n === 'string') this.errorf(n, t);
    return { type: 'number', pos: t.pos, text: t.val, ...n };
  }

}

/**
 * Parses template text. `funcs` names the callable functions (parsing fails on an unknown one,
 * as Go's does); `name` appears in error messages (docker uses "").
 */
export function parse(text: string, funcs: ReadonlySet<string>, name = ''): ParsedTemplate {
  const p = new Parser(name, text, funcs);
  const root = p.parse();
  return { name, text, root, defined: p.defined };
}
