import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWharfError } from '../../errdefs/index.js';
import { isGitURL, parseGitURL } from './git-context.js';

describe('git context URLs (moby urlutil.IsGitURL, parseRemoteURL)', () => {
  it('recognizes git URLs as dockerd does', () => {
    for (const u of ['git://h/r', 'git@github.com:o/r.git', 'github.com/o/r', 'https://h/o/r.git', 'http://h/r.git#main:sub']) assert.ok(isGitURL(u), u);
    for (const u of ['https://h/ctx.tar', 'file:///srv/r.git', 'ssh://h/r', 'h/r.git', 'https://h/r.git/x']) assert.ok(!isGitURL(u), u);
  });

  it('splits the #ref:subdir fragment; master is the default ref', () => {
    assert.deepEqual(parseGitURL('git://h/r'), { remote: 'git://h/r', ref: 'master', subdir: '' });
    assert.deepEqual(parseGitURL('git://h/r#dev:a/b'), { remote: 'git://h/r', ref: 'dev', subdir: 'a/b' });
    assert.deepEqual(parseGitURL('git://h/r#:a'), { remote: 'git://h/r', ref: 'master', subdir: 'a' });
    assert.deepEqual(parseGitURL('github.com/o/r#v1'), { remote: 'https://github.com/o/r', ref: 'v1', subdir: '' });
    assert.deepEqual(parseGitURL('git@h:o/r.git#x:y'), { remote: 'git@h:o/r.git', ref: 'x', subdir: 'y' });
  });

  it('refuses a ref git would read as an option', () => {
    assert.throws(() => parseGitURL('git://h/r#--upload-pack=x'), (e) => isWharfError(e) && e.message === 'invalid refspec: --upload-pack=x');
  });
});
