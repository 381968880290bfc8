import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BuildEvent, BuildStreamParser } from './build-events.js';
import { BuildProgress } from './build-progress.js';
import { PlainDisplay } from './plain-display.js';

/** The message stream of build.md / build-error.md, as dockerd chunks it. */
const STREAM = [
  'Step 1/3 : FROM spy-busybox:1',
  '\n',
  ' ---> 96ad355ac2c3\n',
  'Step 2/3 : RUN printf partial; echo; echo line',
  '\n',
  ' ---> Running in 51fa71d20577\n',
  'partial\nli',
  'ne\n',
  'Removing intermediate container 51fa71d20577\n',
  ' ---> 74cfbf7f5e3d\n',
  'Step 3/3 : COPY hello.txt /hello.txt',
  '\n',
  ' ---> Using cache\n',
  ' ---> d75c1cb4df9d\n',
  'Successfully built d75c1cb4df9d\n',
  'Successfully tagged spy-built:1\n',
];

describe('the classic build stream read back as events', () => {
  it('finds steps, container output, cache hits, results', () => {
    const events: BuildEvent[] = [];
    const p = new BuildStreamParser((e) => events.push(e));
    for (const s of STREAM) p.push(s);
    p.flush();
    assert.deepEqual(events, [
      { type: 'step', n: 1, total: 3, text: 'FROM spy-busybox:1' },
      { type: 'done', id: '96ad355ac2c3' },
      { type: 'step', n: 2, total: 3, text: 'RUN printf partial; echo; echo line' },
      { type: 'running', container: '51fa71d20577' },
      { type: 'output', line: 'partial' },
      { type: 'output', line: 'line' },
      { type: 'done', id: '74cfbf7f5e3d' },
      { type: 'step', n: 3, total: 3, text: 'COPY hello.txt /hello.txt' },
      { type: 'cached' },
      { type: 'done', id: 'd75c1cb4df9d' },
      { type: 'built', id: 'd75c1cb4df9d' },
      { type: 'tagged', name: 'spy-built:1' },
    ]);
  });

  it('ends output left without a newline at the next control line', () => {
    const events: BuildEvent[] = [];
    const p = new BuildStreamParser((e) => events.push(e));
    for (const s of ['Step 1/1 : RUN printf x', '\n', ' ---> Running in 0123456789ab\n', 'no newline', 'Removing intermediate container 0123456789ab\n', ' ---> 74cfbf7f5e3d\n']) p.push(s);
    assert.deepEqual(
      events.filter((e) => e.type === 'output'),
      [{ type: 'output', line: 'no newline' }],
    );
  });

  it('prints BuildKit-style plain progress', () => {
    let out = '';
    let now = 1000;
    const display = new PlainDisplay((s) => (out += s), () => now);
    const progress = new BuildProgress(display, () => now);
    const p = new BuildStreamParser((e) => {
      now += 100;
      progress.on(e);
    });
    for (const s of STREAM) p.push(s);
    progress.imageId = 'sha256:d75c';
    display.finish(progress);
    assert.equal(
      out,
      [
        '#1 [1/3] FROM spy-busybox:1',
        '#1 DONE 0.1s',
        '',
        '#2 [2/3] RUN printf partial; echo; echo line',
        '#2 0.200 partial',
        '#2 0.300 line',
        '#2 DONE 0.4s',
        '',
        '#3 [3/3] COPY hello.txt /hello.txt',
        '#3 CACHED',
        '',
        '#4 exporting to image',
        '#4 writing image sha256:d75c done',
        '#4 naming to spy-built:1 done',
        '#4 DONE 0.0s',
        '',
      ].join('\n'),
    );
  });
});
