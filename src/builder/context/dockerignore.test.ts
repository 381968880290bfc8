import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { keepBuildFiles, PatternMatcher, readDockerignore } from './dockerignore.js';

// moby/patternmatcher TestMatches: [pattern, path, excluded].
const SINGLE: [string, string, boolean][] = [
  ['**', 'file', true],
  ['**', 'file/', true],
  ['**/', 'file', true],
  ['**/', 'file/', true],
  ['**', '/', true],
  ['**/', '/', true],
  ['**', 'dir/file', true],
  ['**/', 'dir/file', true],
  ['**', 'dir/file/', true],
  ['**/', 'dir/file/', true],
  ['**/**', 'dir/file', true],
  ['**/**', 'dir/file/', true],
  ['dir/**', 'dir/file', true],
  ['dir/**', 'dir/file/', true],
  ['dir/**', 'dir/dir2/file', true],
  ['dir/**', 'dir/dir2/file/', true],
  ['**/dir', 'dir', true],
  ['**/dir', 'dir/file', true],
  ['**/dir2/*', 'dir/dir2/file', true],
  ['**/dir2/*', 'dir/dir2/file/', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true],
  ['**/dir2/**', 'dir/dir2/dir3/file/', true],
  ['**file', 'file', true],
  ['**file', 'dir/file', true],
  ['**/file', 'dir/file', true],
  ['**file', 'dir/dir/file', true],
  ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file.txt', true],
  ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true],
  ['**/file*.txt*', 'dir/dir/file.txt', true],
  ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false],
  ['**/*.txt', 'file.txt', true],
  ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true],
  ['a**/*.txt', 'a/dir/file.txt', true],
  ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false],
  ['a/*.txt', 'a/file.txt', true],
  ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false],
  ['a[b-d]e', 'ace', true],
  ['a[b-d]e', 'aae', false],
  ['a[^b-d]e', 'aze', true],
  ['.*', '.foo', true],
  ['.*', 'foo', false],
  ['abc.def', 'abcdef', false],
  ['abc.def', 'abc.def', true],
  ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true],
  ['abc?def', 'abcdef', false],
  ['a\\\\', 'a\\', true],
  ['**/foo/bar', 'foo/bar', true],
  ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true],
  ['abc/**', 'abc', false],
  ['abc/**', 'abc/def', true],
  ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true],
  ['**/.foo', 'bar.foo', false],
  ['a(b)c/def', 'a(b)c/def', true],
  ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  // Parent directories count, anchoring is at the context root, and matching is case-sensitive.
  ['*.md', 'docs/a.md', false],
  ['*.md', 'README.md', true],
  ['foo', 'a/foo', false],
  ['foo', 'foo/bar/baz', true],
  ['*/temp*', 'somedir/temporary.txt', true],
  ['*/temp*', 'somedir/temp/x', true],
  ['*/temp*', 'somedir/sub/temp', false],
  ['temp?', 'tempa', true],
  ['README.md', 'readme.md', false],
  ['a]b', 'a]b', true],
  ['[ab]]', 'a]', true],
];

describe('PatternMatcher (moby/patternmatcher cases)', () => {
  for (const [pattern, path, want] of SINGLE) {
    it(`${pattern} vs ${path} → ${want}`, () => {
      assert.equal(new PatternMatcher([pattern]).matches(path), want);
    });
  }

  const MULTI: [string[], string, boolean][] = [
    [['**', '!util/docker/web'], 'util/docker/web/foo', false],
    [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
    [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
    [['*', '!file'], 'file', false],
    [['*', '!file'], 'other', true],
    [['dir', '!dir/keep'], 'dir/keep', false],
    [['dir', '!dir/keep'], 'dir/other', true],
    [['!x', 'x'], 'x', true],
    [['*.log', '!important.log', 'important.log'], 'important.log', true],
    [['**/*.log', '!keep/*.log'], 'keep/a.log', false],
    [['**/*.log', '!keep/*.log'], 'other/a.log', true],
  ];
  for (const [patterns, path, want] of MULTI) {
    it(`${JSON.stringify(patterns)} vs ${path} → ${want}`, () => {
      assert.equal(new PatternMatcher(patterns).matches(path), want);
    });
  }

  it('gives the same answers when the parent results are passed down', () => {
    const pm = new PatternMatcher(['docs', '!docs/keep*', 'docs/keep/secret', '**/*.tmp']);
    const paths = ['docs', 'docs/a', 'docs/keep', 'docs/keep/x', 'docs/keep/secret', 'src', 'src/a.tmp', 'src/b'];
    const results = new Map<string, readonly boolean[]>();
    for (const p of paths) {
      const parent = p.includes('/') ? results.get(p.slice(0, p.lastIndexOf('/'))) : undefined;
      const r = pm.matchesWithParents(p, parent);
      results.set(p, r.results);
      assert.equal(r.excluded, pm.matches(p), p);
    }
  });

  it('descends into an excluded directory only for an exception under it', () => {
    const pm = new PatternMatcher(['dir', 'other', '!dir/keep']);
    assert.equal(pm.mustDescend('dir'), true);
    assert.equal(pm.mustDescend('other'), false);
    assert.equal(new PatternMatcher(['dir']).mustDescend('dir'), false);
  });

  it('rejects malformed patterns like Docker', () => {
    assert.throws(() => new PatternMatcher(['[']), (e: unknown) => isKind(e, 'InvalidArgument') && (e as Error).message === 'syntax error in pattern');
    assert.throws(() => new PatternMatcher(['a\\']), /syntax error in pattern/);
    assert.throws(() => new PatternMatcher(['!']), /illegal exclusion pattern: "!"/);
  });
});

describe('readDockerignore', () => {
  it('reads comments, blanks, leading / and ./, exceptions and a BOM like Docker', () => {
    const text = '\uFEFF# comment\n  # not a comment  \n\n/abs.txt\n./rel/../x\n ! keep.txt \nbuild/\r\n**/*.log\n';
    assert.deepEqual(readDockerignore(text), ['# not a comment', 'abs.txt', 'x', '!keep.txt', 'build', '**/*.log']);
  });

  it('keeps the Dockerfile and .dockerignore (docker/cli TrimBuildFilesFromExcludes)', () => {
    assert.deepEqual(keepBuildFiles(['*'], 'Dockerfile'), ['*', '!.dockerignore', '!Dockerfile']);
    assert.deepEqual(keepBuildFiles(['*.txt'], 'build/Dockerfile'), ['*.txt']);
    assert.deepEqual(keepBuildFiles(['build'], './build/Dockerfile'), ['build', '!build/Dockerfile']);
    assert.deepEqual(keepBuildFiles(['**'], undefined), ['**', '!.dockerignore']);
  });
});
