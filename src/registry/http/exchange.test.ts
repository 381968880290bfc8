import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RegistryError } from '../registry-error.js';
import { paginate, parseContentRange, parseRange } from './exchange.js';

test('parseRange: single byte ranges, suffixes, unsatisfiable, and ignored forms', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,5-6', 100), undefined, 'multiple ranges: served whole');
  assert.equal(parseRange('items=0-1', 100), undefined);
  assert.equal(parseRange(undefined, 100), undefined);
});

test('parseContentRange: the spec form and the bytes-prefixed form; garbage is 416', () => {
  assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
  assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199 });
  assert.equal(parseContentRange(undefined), undefined);
  assert.throws(
    () => parseContentRange('abc'),
    (e) => e instanceof RegistryError && e.status === 416,
  );
});

test('paginate: n, last, Link, n=0, invalid n', () => {
  const all = ['a', 'b', 'c', 'd'];
  const q = (s: string) => new URLSearchParams(s);
  assert.deepEqual(paginate(all, q(''), '/x'), { items: all });
  assert.deepEqual(paginate(all, q('n=2'), '/x'), { items: ['a', 'b'], link: '</x?n=2&last=b>; rel="next"' });
  assert.deepEqual(paginate(all, q('n=2&last=b'), '/x'), { items: ['c', 'd'] });
  assert.deepEqual(paginate(all, q('last=c'), '/x'), { items: ['d'] });
  assert.deepEqual(paginate(all, q('n=0'), '/x'), { items: [] });
  assert.throws(
    () => paginate(all, q('n=-1'), '/x'),
    (e) => e instanceof RegistryError && e.code === 'PAGINATION_NUMBER_INVALID',
  );
});
