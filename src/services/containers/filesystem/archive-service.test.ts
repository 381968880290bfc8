import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archivePath, goBase } from './archive-service.js';

describe('archive path rules (moby PreserveTrailingDotOrSeparator, filepath.Base)', () => {
  it('makes the path absolute and clean, keeping a trailing / or /.', () => {
    const cases: Array<[string, string]> = [
      ['tmp', '/tmp'],
      ['/tmp/', '/tmp/'],
      ['/tmp/.', '/tmp/.'],
      ['/tmp/./', '/tmp/./'],
      ['.', '/.'],
      ['/', '/'],
      ['/etc/../..', '/'],
      ['//a//b/../c/', '/a/c/'],
    ];
    for (const [input, want] of cases) assert.equal(archivePath(input), want, input);
  });

  it("names the archive's root like Go's filepath.Base", () => {
    const cases: Array<[string, string]> = [
      ['/', '/'],
      ['/tmp/', 'tmp'],
      ['/tmp/.', '.'],
      ['/escape', 'escape'],
      ['/a/b/', 'b'],
    ];
    for (const [input, want] of cases) assert.equal(goBase(input), want, input);
  });
});
