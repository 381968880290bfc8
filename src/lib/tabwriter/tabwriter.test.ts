import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALIGN_RIGHT, DEBUG, DISCARD_EMPTY_COLUMNS, displayWidth, formatTable, TabWriter } from './tabwriter.js';

const docker = { minwidth: 10, tabwidth: 1, padding: 3, padchar: ' ' };

describe('tabwriter', () => {
  it('aligns docker images the way the docker CLI does (minwidth 10, padding 3)', () => {
    const input =
      'REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n' +
      '<none>\t<none>\tcb95bbfda6ca\tLess than a second ago\t3B\n' +
      '127.0.0.1:5000/foo/bar\tx\t82df8b3dd49f\t1 second ago\t1.98MB\n';
    const want =
      'REPOSITORY               TAG       IMAGE ID       CREATED                  SIZE\n' +
      '<none>                   <none>    cb95bbfda6ca   Less than a second ago   3B\n' +
      '127.0.0.1:5000/foo/bar   x         82df8b3dd49f   1 second ago             1.98MB\n';
    assert.equal(formatTable(input, docker), want);
  });

  it('does not align the trailing cell and keeps a missing final newline', () => {
    assert.equal(formatTable('a\tb\nccc\tdddd', { ...docker, minwidth: 0 }), 'a     b\nccc   dddd');
  });

  it('starts a new column block where a line lacks the column (Go doc example)', () => {
    const input = 'aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n';
    const got = formatTable(input, { minwidth: 0, tabwidth: 8, padding: 1, padchar: '.' });
    assert.equal(got, 'aaaa.bbb.d\naa...b...dd\na....\naa...cccc.eee\n');
  });

  it('flushes at single-cell lines, as docker version relies on', () => {
    const input = 'Client:\n Version:\t28\n API version:\t1.41\n\nServer:\n Engine:\n  Version:\t20\n';
    const got = formatTable(input, { minwidth: 20, tabwidth: 1, padding: 1, padchar: ' ' });
    assert.equal(
      got,
      'Client:\n Version:           28\n API version:       1.41\n\nServer:\n Engine:\n  Version:          20\n',
    );
  });

  it('supports right alignment, debug bars and discarding empty soft columns', () => {
    const opts = { minwidth: 0, tabwidth: 8, padding: 1, padchar: ' ' };
    assert.equal(formatTable('a\tbbb\t\nccc\td\t\n', { ...opts, flags: ALIGN_RIGHT }), '   a bbb\n ccc   d\n');
    assert.equal(formatTable('a\tb\t\n', { ...opts, flags: DEBUG }), 'a |b |\n');
    assert.equal(formatTable('a\v\vb\nc\v\vd\n', { ...opts, flags: DISCARD_EMPTY_COLUMNS }), 'a b\nc d\n');
    assert.equal(formatTable('a\v\vb\nc\v\vd\n', opts), 'a  b\nc  d\n');
  });

  it('pads with tabs when padchar is a tab', () => {
    const got = formatTable('a\tb\nccccccccc\td\n', { minwidth: 0, tabwidth: 8, padding: 1, padchar: '\t' });
    assert.equal(got, 'a\t\tb\nccccccccc\td\n');
  });

  it('streams to a sink across writes and counts wide runes as 2', () => {
    const chunks: string[] = [];
    const w = new TabWriter({ minwidth: 0, tabwidth: 1, padding: 1, padchar: ' ' }, (s) => chunks.push(s));
    w.write('名前\tx\n');
    w.write('ab\ty\n');
    w.flush();
    assert.equal(chunks.join(''), '名前 x\nab   y\n');
    assert.equal(displayWidth('名前'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
  });

  it('rejects negative settings', () => {
    assert.throws(() => new TabWriter({ minwidth: -1, tabwidth: 1, padding: 1, padchar: ' ' }), RangeError);
  });
});
