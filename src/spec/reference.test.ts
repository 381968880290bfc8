import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKind } from '../errdefs/index.js';
import {
  familiarMatch,
  familiarName,
  familiarString,
  globToRegExp,
  parseAnyReference,
  parseNormalizedNamed,
  referenceString,
  tagNameOnly,
  withTag,
} from './reference.js';

const HEX = 'a'.repeat(64);

function norm(s: string): string {
  return referenceString(parseNormalizedNamed(s));
}

function rejects(s: string, message: string | RegExp): void {
  assert.throws(
    () => parseNormalizedNamed(s),
    (err: unknown) => {
      assert.ok(isKind(err, 'InvalidArgument'), `not InvalidArgument: ${String(err)}`);
      if (typeof message === 'string') assert.equal((err as Error).message, message);
      else assert.match((err as Error).message, message);
      return true;
    },
    s,
  );
}

describe('parseNormalizedNamed', () => {
  it('normalises official images to docker.io/library', () => {
    assert.equal(norm('busybox'), 'docker.io/library/busybox');
    assert.equal(norm('busybox:latest'), 'docker.io/library/busybox:latest');
    assert.equal(norm('library/busybox:1'), 'docker.io/library/busybox:1');
    assert.equal(norm('docker.io/busybox'), 'docker.io/library/busybox');
    assert.equal(norm('index.docker.io/busybox'), 'docker.io/library/busybox');
    assert.equal(norm('user/repo:tag'), 'docker.io/user/repo:tag');
    assert.equal(norm('a/b/c'), 'docker.io/a/b/c');
  });

  it('recognises registry domains by dot, port or localhost', () => {
    assert.equal(norm('localhost/a'), 'localhost/a');
    assert.equal(norm('localhost:5000/a/b:t'), 'localhost:5000/a/b:t');
    assert.equal(norm('127.0.0.1:5000/spy/built:1'), '127.0.0.1:5000/spy/built:1');
    assert.equal(norm('example.com/x'), 'example.com/x');
    assert.equal(norm('[::1]:5000/x:y'), '[::1]:5000/x:y');
    const r = parseNormalizedNamed('localhost:5000/a/b:t');
    assert.deepEqual(r, { domain: 'localhost:5000', path: 'a/b', tag: 't' });
    // An uppercase first component is a domain (Docker: only lowercase names default to docker.io).
    assert.equal(norm('Example/x'), 'Example/x');
  });

  it('parses digests and tag+digest', () => {
    const d = `sha256:${HEX}`;
    const r = parseNormalizedNamed(`busybox@${d}`);
    assert.deepEqual(r, { domain: 'docker.io', path: 'library/busybox', digest: d });
    const both = parseNormalizedNamed(`busybox:1@${d}`);
    assert.equal(both.tag, '1');
    assert.equal(both.digest, d);
    assert.equal(familiarString(both), `busybox:1@${d}`);
  });

  it('refuses malformed references with Docker wording', () => {
    rejects('', 'invalid reference format');
    rejects('Busybox', 'invalid reference format: repository name must be lowercase');
    rejects('user/Repo:tag', 'invalid reference format: repository name must be lowercase');
    rejects('busybox:', 'invalid reference format');
    rejects('busybox:-bad', 'invalid reference format');
    rejects('a//b', 'invalid reference format');
    rejects('-abc', 'invalid reference format');
    rejects('abc-', 'invalid reference format');
    rejects('a b', 'invalid reference format');
    rejects(`busybox:${'t'.repeat(129)}`, 'invalid reference format');
    rejects(`busybox@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length');
    rejects(`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm');
    rejects(HEX, /cannot specify 64-byte hexadecimal strings/);
    rejects(`${'a'.repeat(250)}/bbbbbbbbbb`, /must not be more than 255 characters/);
  });

  it('accepts separators Docker accepts', () => {
    assert.equal(norm('a_b.c__d-e---f'), 'docker.io/library/a_b.c__d-e---f');
    assert.equal(norm('x:Tag_1.0-rc'), 'docker.io/library/x:Tag_1.0-rc');
  });
});

describe('familiar forms', () => {
  it('drops docker.io and library for display', () => {
    assert.equal(familiarString(parseNormalizedNamed('docker.io/library/busybox:latest')), 'busybox:latest');
    assert.equal(familiarString(parseNormalizedNamed('docker.io/user/x:1')), 'user/x:1');
    assert.equal(familiarString(parseNormalizedNamed('localhost:5000/a/b:t')), 'localhost:5000/a/b:t');
    assert.equal(familiarName(parseNormalizedNamed('docker.io/library/a/b')), 'library/a/b');
    assert.equal(familiarString(tagNameOnly(parseNormalizedNamed('busybox'))), 'busybox:latest');
    assert.equal(familiarString(tagNameOnly(parseNormalizedNamed('busybox:1'))), 'busybox:1');
  });

  it('withTag validates the tag', () => {
    const r = parseNormalizedNamed('busybox');
    assert.equal(referenceString(withTag(r, 'x')), 'docker.io/library/busybox:x');
    assert.throws(() => withTag(r, '.bad'), /invalid tag format/);
  });
});

describe('parseAnyReference', () => {
  it('treats 64 hex and sha256: digests as IDs, the rest as names', () => {
    assert.deepEqual(parseAnyReference(HEX), { kind: 'digest', digest: `sha256:${HEX}` });
    assert.deepEqual(parseAnyReference(`sha256:${HEX}`), { kind: 'digest', digest: `sha256:${HEX}` });
    const short = parseAnyReference('2b8fd9751c4c');
    assert.equal(short.kind, 'named');
    assert.throws(() => parseAnyReference('NOPE'), /must be lowercase/);
  });
});

describe('familiarMatch (reference filter)', () => {
  const ref = parseNormalizedNamed('docker.io/library/busybox:latest');
  const reg = parseNormalizedNamed('localhost:5000/team/app:v1');
  it('matches familiar strings and names with Go path.Match globs', () => {
    assert.ok(familiarMatch('busybox', ref));
    assert.ok(familiarMatch('busybox:latest', ref));
    assert.ok(familiarMatch('busy*', ref));
    assert.ok(familiarMatch('busybox:l?test', ref));
    assert.ok(familiarMatch('busybox:[a-z]atest', ref));
    assert.ok(!familiarMatch('busybox:1', ref));
    assert.ok(!familiarMatch('*box:1', ref));
    assert.ok(familiarMatch('localhost:5000/team/*', reg));
    assert.ok(!familiarMatch('localhost:5000/*', reg), '* must not cross /');
    assert.ok(familiarMatch('*/*/app:v1', reg));
  });

  it('handles classes, negation, escapes and bad patterns', () => {
    assert.ok(globToRegExp('[^a]b').test('xb'));
    assert.ok(!globToRegExp('[^a]b').test('ab'));
    assert.ok(globToRegExp('a\\*').test('a*'));
    assert.ok(!globToRegExp('a\\*').test('ab'));
    assert.ok(globToRegExp('a.b').test('a.b'));
    assert.ok(!globToRegExp('a.b').test('axb'));
    assert.throws(() => globToRegExp('[abc'), /syntax error in pattern/);
    assert.throws(() => globToRegExp('[]'), /syntax error in pattern/);
    assert.throws(() => globToRegExp('abc\\'), /syntax error in pattern/);
  });
});
