import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containsWildcards, goMatch } from './go-match.js';

describe("Go's filepath.Match for COPY sources", () => {
  it('finds wildcards, escapes excepted', () => {
    assert.equal(containsWildcards('*.txt'), true);
    assert.equal(containsWildcards('a?c'), true);
    assert.equal(containsWildcards('[ab]'), true);
    assert.equal(containsWildcards('a\\*b'), false);
    assert.equal(containsWildcards('plain/path'), false);
  });

  it('never lets * or ? cross a slash', () => {
    assert.equal(goMatch('*.md', 'a.md'), true);
    assert.equal(goMatch('*.md', 'docs/a.md'), false);
    assert.equal(goMatch('docs/*.md', 'docs/a.md'), true);
    assert.equal(goMatch('a?c', 'abc'), true);
    assert.equal(goMatch('a?c', 'a/c'), false);
  });

  it('supports classes, negation and escapes; a bad pattern matches nothing', () => {
    assert.equal(goMatch('[a-c]x', 'bx'), true);
    assert.equal(goMatch('[^a-c]x', 'bx'), false);
    assert.equal(goMatch('[^a-c]x', 'dx'), true);
    assert.equal(goMatch('a\\*', 'a*'), true);
    assert.equal(goMatch('a\\*', 'ab'), false);
    assert.equal(goMatch('[ab', 'a'), false);
  });
});
