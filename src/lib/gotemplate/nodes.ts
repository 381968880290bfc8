/**
 * The parse tree of a Go text/template, mirroring text/template/parse's node types. `pos` is the
 * byte offset of the node in the template text (used for `:line:col` in execution errors).
 */

export type Node =
  | TextNode
  | ActionNode
  | ListNode
  | IfNode
  | RangeNode
  | WithNode
  | BreakNode
  | ContinueNode
  | TemplateNode
  | PipeNode
  | CommandNode
  | ArgNode;

/** Nodes that can be operands of a command. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | DotNode
  | IdentifierNode
  | ChainNode
  | StringNode
  | NumberNode
  | BoolNode
  | NilNode
  | PipeNode;

export interface TextNode {
  type: 'text';
  pos: number;
  text: string;
}
export interface ActionNode {
  type: 'action';
  pos: number;
  pipe: PipeNode;
}
export interface ListNode {
  type: 'list';
  pos: number;
  nodes: Node[];
}
export interface BranchNode {
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchNode {
  type: 'if';
}
export interface RangeNode extends BranchNode {
  type: 'range';
}
export interface WithNode extends BranchNode {
  type: 'with';
}
export interface BreakNode {
  type: 'break';
  pos: number;
}
export interface ContinueNode {
  type: 'continue';
  pos: number;
}
/** `{{template "name" pipeline}}`, also produced by `{{block}}`. */
export interface TemplateNode {
  type: 'template';
  pos: number;
  name: string;
  pipe: PipeNode | null;
}
export interface PipeNode {
  type: 'pipe';
  pos: number;
  /** True for `$x = …` (assignment), false for `$x := …` (declaration). */
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  type: 'command';
  pos: number;
  args: ArgNode[];
}
export interface FieldNode {
  type: 'field';
  pos: number;
  /** `.A.B` → ['A', 'B']. */
  ident: string[];
}
export interface VariableNode {
  type: 'variable';
  pos: number;
  /** `$x.A` → ['$x', 'A']. */
  ident: string[];
}
export interface DotNode {
  type: 'dot';
  pos: number;
}
export interface IdentifierNode {
  type: 'identifier';
  pos: number;
  ident: string;
}
/** `(pipeline).Field1.Field2`. */
export interface ChainNode {
  type: 'chain';
  pos: number;
  node: ArgNode;
  field: string[];
}
export interface StringNode {
  type: 'string';
  pos: number;
  /** The original, quoted text. */
  quoted: string;
  text: string;
}
export interface NumberNode {
  type: 'number';
  pos: number;
  text: string;
  isInt: boolean;
  isFloat: boolean;
  /** The value (integers exactly, floats as doubles). */
  value: number;
}
export interface BoolNode {
  type: 'bool';
  pos: number;
  value: boolean;
}
export interface NilNode {
  type: 'nil';
  pos: number;
}

/** The source-like text of a node, as Go's Node.String() (used in error contexts). */
export function nodeString(n: Node): string {
  switch (n.type) {
    case 'text':
      return JSON.stringify(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'if':
    case 'range':
    case 'with': {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'template':
      return `{{template ${JSON.stringify(n.name)}${n.pipe ? ` ${nodeString(n.pipe)}` : ''}}}`;
    case 'pipe': {
      const decl = n.decl.length ? `${n.decl.map(nodeString).join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'field':
      return n.ident.map((i) => `.${i}`).join('');
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'identifier':
      return n.ident;
    case 'chain': {
      const inner = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + n.field.map((f) => `.${f}`).join('');
    }
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'bool':
      return String(n.value);
    case 'nil':
      return 'nil';
  }
}
