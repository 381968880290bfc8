import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyConfigChanges } from './config-changes.js';

describe('applyConfigChanges (docker import/commit --change)', () => {
  it('sets CMD and ENTRYPOINT in exec and shell form', () => {
    assert.deepEqual(applyConfigChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
    assert.deepEqual(applyConfigChanges({}, ['CMD echo hi there']).Cmd, ['/bin/sh', '-c', 'echo hi there']);
    const c = applyConfigChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["/bin/tini", "--"]']);
    assert.deepEqual(c.Entrypoint, ['/bin/tini', '--']);
    assert.equal(c.Cmd, null, 'ENTRYPOINT resets an inherited CMD');
    const both = applyConfigChanges({}, ['CMD ["a"]', 'ENTRYPOINT ["e"]']);
    assert.deepEqual(both.Cmd, ['a']);
  });

  it('handles ENV (both forms, quotes, expansion) and LABEL', () => {
    const c = applyConfigChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV A=2 B="two words" C=$A', 'ENV LEGACY some value', 'LABEL "x.y"=z k="v w"']);
    assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=two words', 'C=1', 'LEGACY=some value']);
    assert.deepEqual(c.Labels, { 'x.y': 'z', k: 'v w' });
  });

  it('handles EXPOSE, USER, WORKDIR, VOLUME, ONBUILD, STOPSIGNAL, HEALTHCHECK', () => {
    const c = applyConfigChanges({}, [
      'EXPOSE 80 53/udp 8000-8002',
      'USER nobody:nogroup',
      'WORKDIR /srv',
      'WORKDIR app',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache',
      'ONBUILD run echo hi',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost',
    ]);
    assert.deepEqual(Object.keys(c.ExposedPorts!).sort(), ['53/udp', '80/tcp', '8000/tcp', '8001/tcp', '8002/tcp']);
    assert.equal(c.User, 'nobody:nogroup');
    assert.equal(c.WorkingDir, '/srv/app');
    assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs', '/cache']);
    assert.deepEqual(c.OnBuild, ['RUN echo hi']);
    assert.equal(c.StopSignal, 'SIGTERM');
    assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'wget -q localhost'], Interval: 30e9, Retries: 3 });
    assert.deepEqual(applyConfigChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
  });

  it('refuses instructions that are not changes, with Docker wording', () => {
    assert.throws(() => applyConfigChanges({}, ['RUN echo']), { message: 'run is not a valid change command' });
    assert.throws(() => applyConfigChanges({}, ['FROM x']), { message: 'from is not a valid change command' });
    assert.throws(() => applyConfigChanges({}, ['ONBUILD ONBUILD RUN x']), /Chaining ONBUILD/);
    assert.throws(() => applyConfigChanges({}, ['ENV A="unterminated']), /double-quote/);
  });

  it('does not modify its input', () => {
    const base = { Env: ['A=1'] };
    applyConfigChanges(base, ['ENV A=2']);
    assert.deepEqual(base, { Env: ['A=1'] });
  });
});
