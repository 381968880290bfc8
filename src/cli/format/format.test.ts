import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSummary } from '../../spec/engine/types.js';
import { renderRows } from './formatter.js';
import { IMAGE_HEADER, imageRows } from './image-context.js';
import { goIndentJSON } from './inspect-output.js';
import { displayJSONMessages, progressString } from './progress.js';
import { ansicDate, bytesSize, goRFC3339, humanDuration, humanSize, humanSizeWithPrecision, timeAgo } from './units.js';

describe('units', () => {
  it('prints sizes like go-units', () => {
    assert.equal(humanSizeWithPrecision(1982256, 3), '1.98MB');
    assert.equal(humanSize(1982256), '1.982MB');
    assert.equal(humanSize(4260000), '4.26MB');
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(3), '3B');
    assert.equal(humanSizeWithPrecision(999999, 3), '1e+03kB'); // docker really prints this
    assert.equal(humanSizeWithPrecision(201300000, 3), '201MB');
    assert.equal(bytesSize(25276510208), '23.54GiB');
  });

  it('prints durations like go-units HumanDuration', () => {
    const s = 1000;
    const cases: Array<[number, string]> = [
      [500, 'Less than a second'],
      [1 * s, '1 second'],
      [59 * s, '59 seconds'],
      [60 * s, 'About a minute'],
      [119 * s, 'About a minute'],
      [59 * 60 * s, '59 minutes'],
      [89 * 60 * s, 'About an hour'],
      [90 * 60 * s, '2 hours'],
      [47 * 3600 * s, '47 hours'],
      [48 * 3600 * s, '2 days'],
      [14 * 24 * 3600 * s, '2 weeks'],
      [60 * 24 * 3600 * s, '2 months'],
      [800 * 24 * 3600 * s, '2 years'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
    assert.equal(timeAgo(100, 100_000 + 5_000), '5 seconds ago');
  });

  it('formats Go time layouts', () => {
    assert.equal(ansicDate('2026-05-07T21:09:36.000000000+00:00'), 'Thu May  7 21:09:36 2026');
    assert.equal(ansicDate('not a date'), 'not a date');
    if (new Date(0).getTimezoneOffset() === 0) assert.equal(goRFC3339(1577836800), '2020-01-01T00:00:00Z');
  });
});

describe('image rows and tables', () => {
  const img = (o: Partial<ImageSummary>): ImageSummary => ({
    Id: `sha256:${'a'.repeat(64)}`,
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: 1577836800,
    Size: 1982256,
    SharedSize: -1,
    VirtualSize: 1982256,
    Labels: {},
    Containers: -1,
    ...o,
  });

  it('makes one row per repository tag, <none> rows for dangling images, digests on request', () => {
    const images = [
      img({ RepoTags: ['b:1', 'a:1', 'a:2'], RepoDigests: [`a@sha256:${'d'.repeat(64)}`, `c@sha256:${'e'.repeat(64)}`] }),
      img({ Id: `sha256:${'b'.repeat(64)}`, RepoTags: ['<none>:<none>'], RepoDigests: ['<none>@<none>'] }),
    ];
    const plain = imageRows(images, { digests: false, trunc: true }).map((r) => `${r.Repository}:${r.Tag}@${r.Digest}`);
    assert.deepEqual(plain, ['a:1@<none>', 'a:2@<none>', 'b:1@<none>', 'c:<none>@', '<none>:<none>@<none>']);
    const withDigests = imageRows(images, { digests: true, trunc: true }).map((r) => `${r.Repository}:${r.Tag}@${r.Digest.slice(0, 8)}`);
    assert.deepEqual(withDigests, ['a:1@sha256:d', 'a:2@sha256:d', 'b:1@<none>', 'c:<none>@sha256:e', '<none>:<none>@<none>']);
  });

  it('renders table, json and raw formats like docker', () => {
    const rows = imageRows([img({ RepoTags: ['busybox:latest'] })], { digests: false, trunc: true });
    const table = renderRows('table {{.Repository}}\\t{{.ID}}\\t{{.Size}}', rows, IMAGE_HEADER);
    assert.equal(table, 'REPOSITORY   IMAGE ID       SIZE\nbusybox      aaaaaaaaaaaa   1.98MB\n');
    assert.equal(renderRows('table', [], { X: 'X' }), '\n');
    const json = renderRows('json', rows, IMAGE_HEADER);
    assert.match(json, /^\{"Containers":"N\/A","CreatedAt":".*","CreatedSince":".* ago","Digest":"\\u003cnone\\u003e","ID":"aaaaaaaaaaaa",/);
    assert.equal(renderRows('{{.Tag}}\\n{{.Size}}', rows, IMAGE_HEADER), 'latest\n1.98MB\n');
  });
});

describe('inspect JSON', () => {
  it('indents like Go json.Indent, keeping escapes and empty containers', () => {
    const raw = '[{"Id":"x","A":[],"B":{},"C":[1,{"d":"\\u003c\\"]"}],"E":null}\n]';
    assert.equal(
      goIndentJSON(raw),
      '[\n    {\n        "Id": "x",\n        "A": [],\n        "B": {},\n        "C": [\n            1,\n            {\n                "d": "\\u003c\\"]"\n            }\n        ],\n        "E": null\n    }\n]',
    );
  });
});

describe('JSON-message progress', () => {
  const stream = (...lines: object[]) => [Buffer.from(lines.map((l) => `${JSON.stringify(l)}\r\n`).join(''))];

  it('prints plain lines off a terminal, dropping progress bars', async () => {
    let out = '';
    await displayJSONMessages(
      stream(
        { status: 'Loading layer', progressDetail: { current: 512, total: 1024 }, id: 'abc' },
        { status: 'Pull complete', progressDetail: {}, id: 'abc' },
        { stream: 'Loaded image: x:1\n' },
        { status: 'sha256:123' },
        { aux: { ID: 'x' } },
      ),
      { write: (s) => (out += s) },
      { isTerminal: false },
    );
    assert.equal(out, 'abc: Pull complete\nLoaded image: x:1\nsha256:123\n');
  });

  it('redraws one line per id on a terminal', async () => {
    let out = '';
    await displayJSONMessages(
      stream(
        { status: 'Loading layer', progressDetail: { current: 1000, total: 2000 }, id: 'a' },
        { status: 'Loading layer', progressDetail: { current: 10, total: 20 }, id: 'b' },
        { status: 'Loading layer', progressDetail: { current: 2000, total: 2000 }, id: 'a' },
        { stream: 'Loaded image: x:1\n' },
      ),
      { write: (s) => (out += s) },
      { isTerminal: true, width: () => 80 },
    );
    const want =
      '\n\x1b[1A\x1b[2K\ra: Loading layer      1kB/2kB\r\x1b[1B' +
      '\n\x1b[1A\x1b[2K\rb: Loading layer      10B/20B\r\x1b[1B' +
      '\x1b[2A\x1b[2K\ra: Loading layer      2kB/2kB\r\x1b[2B' +
      'Loaded image: x:1\n';
    assert.equal(out, want);
  });

  it('draws bars on wide terminals and fails on an error line', async () => {
    assert.equal(progressString({ current: 50, total: 100 }, 120), `[${'='.repeat(25)}>${' '.repeat(25)}]      50B/100B`);
    assert.equal(progressString({}, 120), '');
    await assert.rejects(displayJSONMessages(stream({ errorDetail: { message: 'no space' }, error: 'no space' }), { write: () => {} }, { isTerminal: false }), /no space/);
  });
});
