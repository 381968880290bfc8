import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadPatternError, containsWildcards, goClean, goMatch } from './go-path.js';

describe('goClean (filepath.Clean)', () => {
  const cases: [string, string][] = [
    ['', '.'],
    ['abc', 'abc'],
    ['abc/', 'abc'],
    ['./abc', 'abc'],
    ['abc/./def', 'abc/def'],
    ['abc//def//ghi', 'abc/def/ghi'],
    ['abc/def/../ghi', 'abc/ghi'],
    ['abc/../../x', '../x'],
    ['../../x', '../../x'],
    ['/../x', '/x'],
    ['/', '/'],
    ['//', '/'],
    ['/abc/', '/abc'],
    ['.', '.'],
    ['..', '..'],
    ['a/..', '.'],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(goClean(input), want));
});

// Go's path/filepath matchTests.
const MATCH: [string, string, boolean | 'bad'][] = [
  ['abc', 'abc', true],
  ['*', 'abc', true],
  ['*c', 'abc', true],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['a*', 'ab/c', false],
  ['a*/b', 'abc/b', true],
  ['a*/b', 'a/c/b', false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
  ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true],
  ['a*b?c*x', 'abxbbxdbxebxczzy', false],
  ['ab[c]', 'abc', true],
  ['ab[b-d]', 'abc', true],
  ['ab[e-g]', 'abc', false],
  ['ab[^c]', 'abc', false],
  ['ab[^b-d]', 'abc', false],
  ['ab[^e-g]', 'abc', true],
  ['a\\*b', 'a*b', true],
  ['a\\*b', 'ab', false],
  ['a?b', 'a☺b', true],
  ['a[^a]b', 'a☺b', true],
  ['a???b', 'a☺b', false],
  ['a[^a][^a][^a]b', 'a☺b', false],
  ['[a-ζ]*', 'α', true],
  ['*[a-ζ]', 'A', false],
  ['a?b', 'a/b', false],
  ['a*b', 'a/b', false],
  ['[\\]a]', ']', true],
  ['[\\-]', '-', true],
  ['[x\\-]', 'x', true],
  ['[x\\-]', '-', true],
  ['[x\\-]', 'z', false],
  ['[\\-x]', 'x', true],
  ['[\\-x]', '-', true],
  ['[\\-x]', 'a', false],
  ['[]a]', ']', 'bad'],
  ['[-]', '-', 'bad'],
  ['[x-]', 'x', 'bad'],
  ['[x-]', '-', 'bad'],
  ['[x-]', 'z', 'bad'],
  ['[-x]', 'x', 'bad'],
  ['[-x]', '-', 'bad'],
  ['[-x]', 'a', 'bad'],
  ['\\', 'a', 'bad'],
  ['[a-b-c]', 'a', 'bad'],
  ['[', 'a', 'bad'],
  ['[^', 'a', 'bad'],
  ['[^bc', 'a', 'bad'],
  ['a[', 'a', 'bad'],
  ['a[', 'ab', 'bad'],
  ['a[', 'x', 'bad'],
  ['a/b[', 'x', 'bad'],
  ['*x', 'xxx', true],
];

describe('goMatch (filepath.Match)', () => {
  for (const [pattern, name, want] of MATCH) {
    it(`${pattern} vs ${name} → ${want}`, () => {
      if (want === 'bad') assert.throws(() => goMatch(pattern, name), BadPatternError);
      else assert.equal(goMatch(pattern, name), want);
    });
  }
});

describe('containsWildcards', () => {
  it('sees unescaped * ? [ only', () => {
    assert.deepEqual(
      ['a*', 'a?', '[ab]', 'a\\*', 'plain', 'a\\\\*'].map(containsWildcards),
      [true, true, true, false, false, true],
    );
  });
});
