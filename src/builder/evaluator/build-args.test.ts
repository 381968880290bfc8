import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuildArgs } from './build-args.js';

describe('build args (classic builder rules)', () => {
  it('gives a stage only its declared args, --build-arg values winning over defaults', () => {
    const top = new BuildArgs({ A: 'given', UNUSED: 'x', HTTP_PROXY: 'http://proxy' });
    top.addMetaArg('BASE', 'busybox');
    const s = top.forStage();
    assert.deepEqual(s.filterAllowed([]), ['HTTP_PROXY=http://proxy']);
    s.addArg('A', 'default');
    s.addArg('B', 'b');
    s.addArg('BASE', undefined);
    assert.deepEqual(s.filterAllowed([]), ['A=given', 'B=b', 'BASE=busybox', 'HTTP_PROXY=http://proxy']);
    assert.deepEqual(s.filterAllowed(['B=from-env']), ['A=given', 'BASE=busybox', 'HTTP_PROXY=http://proxy']);
    assert.deepEqual(top.unused(), ['UNUSED']);
  });

  it('keeps undeclared proxy args out of the cache key; predefined platform args are opt-in', () => {
    const top = new BuildArgs({ HTTP_PROXY: 'p' });
    top.predefine('TARGETARCH', 'amd64');
    const s = top.forStage();
    assert.equal(s.isReferencedOrNotBuiltin('HTTP_PROXY'), false);
    assert.equal(s.isReferencedOrNotBuiltin('OTHER'), true);
    assert.equal(s.allAllowed().has('TARGETARCH'), false);
    s.addArg('TARGETARCH', undefined);
    s.addArg('HTTP_PROXY', undefined);
    assert.equal(s.allAllowed().get('TARGETARCH'), 'amd64');
    assert.equal(s.isReferencedOrNotBuiltin('HTTP_PROXY'), true);
    assert.deepEqual(top.unused(), []);
  });

  it('treats a --build-arg without a value as given but unset', () => {
    const s = new BuildArgs({ X: null }).forStage();
    s.addArg('X', 'dflt');
    assert.deepEqual(s.filterAllowed([]), ['X=dflt']);
  });
});
