import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { formatFloat } from './go-float.js';
import { sprint, sprintf } from './go-fmt.js';
import { goQuote } from './go-strconv.js';
import { GO_MARSHAL_JSON, GO_TYPE, HEADER_FUNCS, parseDockerTemplate, parseTemplate, TemplateError } from './index.js';

const run = (t: string, data: unknown = {}) => parseDockerTemplate(t).execute(data);
const errOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TemplateError, `not a TemplateError: ${e}`);
    assert.ok(isKind(e, 'InvalidArgument'));
    return e.message;
  }
  assert.fail('no error');
};

describe('gotemplate against the docker CLI (recorded oracle)', () => {
  const oracle = JSON.parse(readFileSync(new URL('./testdata/docker-inspect-oracle.json', import.meta.url), 'utf8')) as {
    data: unknown;
    cases: Array<{ template: string; output?: string; error?: string }>;
  };
  // docker inspect falls back to the raw JSON with missingkey=error when the typed struct lacks a
  // field; objects whose keys are all Capitalized stand for those structs.
  const structLike = (o: object) => Object.keys(o).length > 0 && Object.keys(o).every((k) => /^[A-Z]/.test(k));
  for (const c of oracle.cases) {
    it(c.template, () => {
      const exec = () => parseDockerTemplate(c.template).execute(oracle.data, { strictKeys: structLike });
      if (c.error !== undefined) assert.equal(errOf(exec), c.error);
      else assert.equal(exec(), c.output);
    });
  }
});

describe('gotemplate', () => {
  it('prints Go values', () => {
    const data = { S: 'x', I: 5, F: 1.5, M: { b: 2, a: 'one' }, L: ['a', 'b'], N: null, T: true, E: [], EM: {} };
    assert.equal(run('{{.S}} {{.I}} {{.F}} {{.M}} {{.L}} {{.N}} {{.T}} {{.Missing}} {{.E}} {{.EM}}', data), 'x 5 1.5 map[a:one b:2] [a b] <nil> true <no value> [] map[]');
    assert.equal(run('{{.}}', 'dot'), 'dot');
    assert.equal(run('{{$}}', [1, [2, null]]), '[1 [2 <nil>]]');
  });

  it('evaluates variables, scopes and assignment', () => {
    assert.equal(run('{{$x := .A}}{{$x}}{{if true}}{{$x = "b"}}{{$y := 1}}{{end}}{{$x}}', { A: 'a' }), 'ab');
    assert.match(errOf(() => run('{{if true}}{{$y := 1}}{{end}}{{$y}}')), /undefined variable "\$y"/);
    assert.equal(run('{{range $i, $v := .}}{{$i}}{{$v}}{{end}}', ['a', 'b']), '0a1b');
    assert.equal(run('{{range $v := .}}{{$v}}{{end}}', { b: 2, a: 1 }), '12');
    assert.equal(run('{{range $k, $v := .}}{{$k}}{{end}}{{range .}}{{else}}none{{end}}', { z: 1, a: 2 }), 'az');
    assert.equal(run('{{range .}}{{else}}none{{end}}', null), 'none');
    assert.equal(run('{{range 3}}{{.}}{{end}}'), '012');
  });

  it('handles if / else if / with / and / or like Go', () => {
    const t = '{{if eq .A 1}}one{{else if eq .A 2}}two{{else}}many{{end}}';
    assert.deepEqual([1, 2, 3].map((A) => run(t, { A })), ['one', 'two', 'many']);
    assert.equal(run('{{with .X}}[{{.}}]{{else with .Y}}({{.}}){{end}}', { Y: 'y' }), '(y)');
    assert.equal(run('{{and 1 0 .Boom}}|{{or 0 "" "z"}}|{{and 1 2}}'), '0|z|2');
    assert.equal(run('{{not 0}} {{not "x"}}'), 'true false');
  });

  it('calls struct methods and getters, and reports missing fields like Go', () => {
    class Ctx {
      readonly [GO_TYPE] = '*formatter.imageContext';
      get ID() {
        return 'abc';
      }
      Label(name: string) {
        return `label:${name}`;
      }
    }
    assert.equal(run('{{.ID}} {{.Label "x"}}', new Ctx()), 'abc label:x');
    assert.equal(errOf(() => run('{{.Foo}}', new Ctx())), 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.imageContext');
    assert.equal(errOf(() => run('{{.ID 1}}', new Ctx())), 'template: :1:2: executing "" at <.ID>: ID has arguments but cannot be invoked as function');
    assert.match(errOf(() => run('{{.toString}}', new Ctx())), /can't evaluate field toString/);
  });

  it('applies missingkey options', () => {
    const t = parseTemplate('{{.a}}');
    assert.equal(t.execute({}), '<no value>');
    assert.equal(t.execute({}, { missingKey: 'zero' }), '<nil>');
    assert.equal(errOf(() => t.execute({}, { missingKey: 'error' })), 'template: :1:2: executing "" at <.a>: map has no entry for key "a"');
  });

  it('trims whitespace around {{- and -}} and skips comments', () => {
    assert.equal(run('a  {{- "b" -}}  \n c {{- /* x */ -}} d'), 'abcd');
    assert.equal(run('{{-3}}'), '-3');
    assert.equal(run('x {{/* a comment */}} y'), 'x  y');
  });

  it('supports define, template, block, break and continue', () => {
    assert.equal(run('{{define "T"}}<{{.}}>{{end}}{{template "T" "a"}}{{block "B" 1}}b{{.}}{{end}}'), '<a>b1');
    assert.equal(run('{{range .}}{{if eq . 3}}{{break}}{{end}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}', [0, 1, 2, 3, 4]), '02');
  });

  it('reports parse errors with Go wording', () => {
    const cases: Array<[string, string]> = [
      ['{{.A', 'template: :1: unclosed action'],
      ['{{.ID}', "template: :1: bad character U+007D '}'"],
      ['{{nosuch}}', 'template: :1: function "nosuch" not defined'],
      ['{{end}}', 'template: :1: unexpected {{end}}'],
      ['{{if}}{{end}}', 'template: :1: missing value for if'],
      ['a\n{{$x}}', 'template: :2: undefined variable "$x"'],
      ['{{range .}}', 'template: :1: unexpected EOF'],
      ['{{"a" | "b"}}', 'template: :1: non executable command in pipeline stage 2'],
      ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
      ['{{/* x', 'template: :1: unclosed comment'],
      ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ];
    for (const [t, msg] of cases) assert.equal(errOf(() => run(t)), msg, t);
    assert.equal(errOf(() => parseTemplate('{{.A', { name: 'version' })), 'template: version:1: unclosed action');
  });

  it('reports execution errors with line, byte column and node', () => {
    assert.equal(errOf(() => run('ab\n  é{{index . 3}}', [1])), 'template: :2:6: executing "" at <index . 3>: error calling index: index out of range: 3');
    assert.equal(errOf(() => run('{{lower .}}', 5)), 'template: :1:8: executing "" at <.>: wrong type for value; expected string; got int');
    assert.equal(errOf(() => run('{{join . 1 2}}', [])), 'template: :1:2: executing "" at <join>: wrong number of args for join: want 2 got 3');
    assert.equal(errOf(() => run('{{.X.Y}}', { X: null })), 'template: :1:4: executing "" at <.X.Y>: nil pointer evaluating interface {}.Y');
    assert.equal(errOf(() => run('{{range .}}{{end}}', 1.5)), 'template: :1:8: executing "" at <.>: range can\'t iterate over 1.5');
    assert.equal(errOf(() => run('{{1 2}}')), 'template: :1:2: executing "" at <1>: can\'t give argument to non-function 1');
  });

  it('implements docker functions', () => {
    assert.equal(run('{{json .}}', { b: '<x>', a: [1, null], s: 'a\u2028' }), '{"b":"<x>","a":[1,null],"s":"a\\u2028"}');
    const marshals = { [GO_MARSHAL_JSON]: () => '{"ID":"\\u003cnone\\u003e"}' };
    assert.equal(run('{{json .}}', marshals), '{"ID":"\\u003cnone\\u003e"}');
    assert.equal(run('{{json .}}', [marshals]), '[{"ID":"\\u003cnone\\u003e"}]');
    assert.equal(run('{{split "a,b" ","}} {{join (split "a.b" ".") "-"}} {{split "ab" ""}}'), '[a b] a-b [a b]');
    assert.equal(run('{{title "hello wOrld-x_y z"}} {{upper "é"}} {{pad "x" 1 2}}|{{pad "" 1 2}}|{{truncate "héllo" 2}}'), 'Hello WOrld-X_y Z É  x  ||h\ufffd');
    const header = parseDockerTemplate('{{.ID | lower}}\t{{truncate .Name 3}}');
    assert.equal(header.execute({ ID: 'IMAGE ID', Name: 'NAME' }, { funcs: HEADER_FUNCS }), 'IMAGE ID\tNAME');
  });
});

describe('Go fmt', () => {
  it('formats floats exactly, rounding half to even', () => {
    const cases: Array<[number, 'e' | 'f' | 'g', number, string]> = [
      [2.5, 'f', 0, '2'],
      [3.5, 'f', 0, '4'],
      [0.125, 'f', 2, '0.12'],
      [0.5, 'f', 0, '0'],
      [1000, 'g', 3, '1e+03'],
      [999.999, 'g', 4, '1000'],
      [1.983456, 'g', 4, '1.983'],
      [201.3, 'g', 3, '201'],
      [2, 'g', 3, '2'],
      [1234567, 'g', -1, '1.234567e+06'],
      [123456, 'g', -1, '123456'],
      [0.0000123, 'g', -1, '1.23e-05'],
      [0, 'e', 6, '0.000000e+00'],
      [-1.5, 'e', 2, '-1.50e+00'],
      [1e100, 'g', -1, '1e+100'],
      [Number.POSITIVE_INFINITY, 'f', 2, '+Inf'],
    ];
    for (const [x, f, p, want] of cases) assert.equal(formatFloat(x, f, p), want, `${x} ${f} ${p}`);
  });

  it('implements Sprintf verbs, flags and error notation', () => {
    assert.equal(sprintf('%5.2f|%-6s|%q|%d|%x|%X|%o|%b|%c|%U', [3.14259, 'ab', 'x\ty', 42, 255, 255, 8, 5, 65, 65]), ' 3.14|ab    |"x\\ty"|42|ff|FF|10|101|A|U+0041');
    assert.equal(sprintf('%08.3f|%+d|% d|%05d|%x|%#x|%6.2f%%', [3.14259, 5, 5, -42, 'hi', 255, 12.3456]), '0003.143|+5| 5|-0042|6869|0xff| 12.35%');
    assert.equal(sprintf('%s %d', ['a']), 'a %!d(MISSING)');
    assert.equal(sprintf('%s', ['a', 'b', 3]), 'a%!(EXTRA string=b, int=3)');
    assert.equal(sprintf('%d %s %t %v %s', ['x', 5, 'y', null, null]), '%!d(string=x) %!s(int=5) %!t(string=y) <nil> %!s(<nil>)');
    assert.equal(sprintf('%5s|%-5d|%.2s|%*d', [['a', 'b'], 3, 'xyz', 4, 7]), '[    a     b]|3    |xy|   7');
    assert.equal(sprintf('%v %+v', [{ a: 1 }, { [GO_TYPE]: 'T', X: 1 }]), 'map[a:1] {X:1}');
    assert.equal(sprintf('100%', []), '100%!(NOVERB)');
    assert.equal(sprint([1, 2, 'a', 3, null]), '1 2a3 <nil>');
  });

  it('quotes like strconv.Quote', () => {
    assert.equal(goQuote('a"b\\c\n\u0001é'), '"a\\"b\\\\c\\n\\x01é"');
    assert.equal(goQuote('é', { ascii: true }), '"\\u00e9"');
  });
});
