// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax in plain strings is the test data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { chompHeredocContent } from './heredoc.js';
import { EXPANDED_INSTRUCTIONS, expand, expandHeredoc, expandWords, lex } from './shell-lex.js';

// The environment of buildkit's envVarTest table, plus NULL (set but empty).
const env = new Map([
  ['PWD', '/home'],
  ['SHELL', 'bash'],
  ['KOREAN', '한국어'],
  ['NULL', ''],
]);

// [input, expected] — expected 'error' means a syntax error. Cases follow Docker's ShellLex tests.
const WORD_CASES: [string, string][] = [
  ['hello', 'hello'],
  ["he'll'o", 'hello'],
  ["he'llo", 'error'],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", 'error'],
  ['abc\\tdef', 'abctdef'],
  ['"abc\\tdef"', 'abc\\tdef'],
  ['"abc\\\\tdef"', 'abc\\tdef'],
  ["'abc\\tdef'", 'abc\\tdef'],
  ['hello\\', 'hello'],
  ['hello\\\\', 'hello\\'],
  ['"hello', 'error'],
  ['"hello\\"', 'error'],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", 'error'],
  ["'hello\\'", 'hello\\'],
  ["'hello\\there'", 'hello\\there'],
  ['"\'\'"', "''"],
  ['$.', '$.'],
  ['he$1x', 'hex'],
  ['he$.x', 'he$.x'],
  ['he$pwd.', 'he.'],
  ['he$PWD', 'he/home'],
  ['he\\$PWD', 'he$PWD'],
  ['he\\\\$PWD', 'he\\/home'],
  ['"he\\$PWD"', 'he$PWD'],
  ['"he\\\\$PWD"', 'he\\/home'],
  ['\\${}', '${}'],
  ['he\\${}xx', 'he${}xx'],
  ['${}', 'error'],
  ['he${}xx', 'error'],
  ['he${hi}xx', 'hexx'],
  ['he${PWD}', 'he/home'],
  ['he${.}', 'error'],
  ['he${XXX:-000}xx', 'he000xx'],
  ['he${PWD:-000}xx', 'he/homexx'],
  ['he${XXX:-$PWD}xx', 'he/homexx'],
  ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
  ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
  ['he${XXX:YYY}', 'error'],
  ['he${XXX?}', 'error'],
  ['he${XXX:?}', 'error'],
  ['he${PWD?}', 'he/home'],
  ['he${PWD:?}', 'he/home'],
  ['he${NULL?}', 'he'],
  ['he${NULL:?}', 'error'],
  ['he${XXX:+${PWD}}xx', 'hexx'],
  ['he${PWD:+${XXX}}xx', 'hexx'],
  ['he${PWD:+${SHELL}}xx', 'hebashxx'],
  ['he${XXX:+000}xx', 'hexx'],
  ['he${PWD:+000}xx', 'he000xx'],
  ["'he${XX}'", 'he${XX}'],
  ['"he${PWD}"', 'he/home'],
  ['"he\'$PWD\'"', "he'/home'"],
  ["'$PWD'", '$PWD'],
  ["'\\$PWD'", '\\$PWD'],
  ["'\"hello\"'", '"hello"'],
  ["'he\\$PWD'", 'he\\$PWD'],
  ['he${PWD', 'error'],
  ['he${PWD:=000}xx', 'error'],
  ['he${PWD:+${PWD}:}xx', 'he/home:xx'],
  ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'],
  ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
  ['안녕하세요', '안녕하세요'],
  ["안'녕'하세요", '안녕하세요'],
  ["안녕\\'하세요", "안녕'하세요"],
  ['안녕${KOREAN}', '안녕한국어'],
  ['안녕${KOREAN:-000}xx', '안녕한국어xx'],
  ['안녕${XXX:+한국어}xx', '안녕xx'],
  // Unset vs empty: only the colon forms treat empty as unset.
  ['${NULL-d}', ''],
  ['${NULL:-d}', 'd'],
  ['${XXX-d}', 'd'],
  ['${NULL+a}', 'a'],
  ['${NULL:+a}', ''],
  ['${XXX+a}', ''],
  // Pattern operators (BuildKit extensions).
  ['${PWD#/}', 'home'],
  ['${PWD#*o}', 'me'],
  ['${PWD%e}', '/hom'],
  ['${SHELL##*a}', 'sh'],
  ['${SHELL%%a*}', 'b'],
  ['${SHELL%a*}', 'b'],
  ['${SHELL/a/A}', 'bAsh'],
  ['${PWD//o/0}', '/h0me'],
  ['${PWD:#x}', 'error'],
];

describe('expand (ProcessWord)', () => {
  for (const [input, expected] of WORD_CASES) {
    it(`${input} → ${expected}`, () => {
      if (expected === 'error') {
        assert.throws(
          () => expand(input, env),
          (e: unknown) => isKind(e, 'InvalidArgument') && /failed to process/.test((e as Error).message),
        );
      } else {
        assert.equal(expand(input, env), expected);
      }
    });
  }

  it('accepts a plain object as env and distinguishes unset from empty', () => {
    assert.equal(expand('${A-x}${B-y}', { A: '' }), 'y');
  });

  it('uses the backtick escape when asked', () => {
    assert.equal(expand('a`$PWD\\b', env, '`'), 'a$PWD\\b');
  });

  it('words the missing-brace error like Docker', () => {
    assert.throws(() => expand('${PWD', env), /failed to process "\$\{PWD": syntax error: missing '}'/);
  });

  it('reports ${VAR:?message}', () => {
    assert.throws(() => expand('${NOPE:?must be set}', env), /NOPE: must be set/);
  });
});

// ProcessWords cases from buildkit's wordsTest (env built up as the table goes).
describe('expandWords (ProcessWords)', () => {
  const wenv = new Map([
    ['hi', 'hi'],
    ['space', 'abc  def'],
    ['leading', '  ab c'],
    ['trailing', 'ab c   '],
  ]);
  const cases: [string, string[] | 'error'][] = [
    ['hello', ['hello']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello${leading}', ['hello', 'ab', 'c']],
    ['hello${trailing}', ['helloab', 'c']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello"${trailing}"d', ['helloab c   d']],
    ['hel"lo${trailing}"', ['helloab c   ']],
    ['hello" there  "', ['hello there  ']],
    ['hello there     ', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello" there', 'error'],
    ['hello\\" there', ['hello"', 'there']],
    ['hello"\\\\there"', ['hello\\there']],
    ['hello"\\there"', ['hello\\there']],
    ["hello'\\\\there'", ['hello\\\\there']],
    ["hello'$there'", ['hello$there']],
    ['""', []],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${JSON.stringify(expected)}`, () => {
      if (expected === 'error') assert.throws(() => expandWords(input, wenv));
      else assert.deepEqual(expandWords(input, wenv), expected);
    });
  }

  it('splits an EXPOSE variable holding several ports', () => {
    assert.deepEqual(expandWords('$PORTS 9000/udp', { PORTS: '80 443' }), ['80', '443', '9000/udp']);
  });
});

describe('lex options', () => {
  it('keeps unset variables and quotes when asked (heredoc detection)', () => {
    const r = lex('cat <<"EOF" $X', new Map(), { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
    assert.deepEqual(r.words, ['cat', '<<"EOF"', '$X']);
  });

  it('expands heredoc bodies without touching quotes', () => {
    assert.equal(expandHeredoc('echo "$A" \'$A\' \\$A\n', { A: 'x' }), 'echo "x" \'x\' $A\n');
  });

  it('chomps leading tabs of every line', () => {
    assert.equal(chompHeredocContent('\t\ta\n\tb\n c\n'), 'a\nb\n c\n');
  });
});

describe('EXPANDED_INSTRUCTIONS', () => {
  it('lists exactly the instructions Docker expands', () => {
    assert.deepEqual([...EXPANDED_INSTRUCTIONS].sort(), ['ADD', 'ARG', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);
    for (const k of ['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ONBUILD', 'HEALTHCHECK'] as const) assert.equal(EXPANDED_INSTRUCTIONS.has(k), false);
  });
});
