import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDockerfile } from '../parser/index.js';
import { planBuild } from './build-plan.js';

const DF = `ARG BASE=busybox
FROM $BASE AS deps
RUN echo deps
FROM busybox AS unused
RUN echo unused
FROM deps AS app
COPY --from=tools /t /t
FROM busybox AS tools
FROM busybox AS final
COPY --from=app /a /a
COPY --from=1 /u /u
`;

const names = (df: string, target?: string) =>
  planBuild(parseDockerfile(df), { target, labels: {}, buildArgs: {} }).stages.map((s) => s.name ?? String(s.index));

describe('build plan', () => {
  it('keeps only the stages the target needs, in Dockerfile order', () => {
    // `tools` comes after `app`: for app, --from=tools is an image reference, not a stage.
    assert.deepEqual(names(DF), ['deps', 'unused', 'app', 'final']);
    assert.deepEqual(names(DF, 'app'), ['deps', 'app']);
    assert.deepEqual(names(DF, 'TOOLS'), ['tools']);
  });

  it("counts steps as Docker prints them (meta ARGs, FROMs, instructions, --label steps)", () => {
    const plan = planBuild(parseDockerfile(DF), { target: 'app', labels: { b: '2', a: '1' }, buildArgs: {} });
    assert.equal(plan.totalSteps, 1 + 2 + 4);
    const app = plan.stages[1]!;
    assert.deepEqual(
      plan.steps.get(app)!.map((s) => [s.instruction.original, s.expand]),
      [
        ['COPY --from=tools /t /t', true],
        ['LABEL a=1', false],
        ['LABEL b=2', false],
      ],
    );
  });

  it('refuses an unknown target', () => {
    assert.throws(() => names(DF, 'nope'), /failed to reach build target nope in Dockerfile/);
  });
});
