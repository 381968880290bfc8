import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CopyInstruction, Dockerfile, EnvInstruction, Instruction, LabelInstruction, RunInstruction } from './ast.js';
import { parseDockerfile } from './parse-dockerfile.js';
import { expand } from './shell-lex.js';

const lines = (...l: string[]) => `${l.join('\n')}\n`;
const only = (df: Dockerfile): Instruction[] => df.stages[0].instructions;

describe('parser directives', () => {
  it('honours escape=` (Docker docs Windows example): a trailing \\ is not a continuation', () => {
    const df = parseDockerfile(lines('# escape=`', '', 'FROM microsoft/nanoserver', 'COPY testfile.txt c:\\', 'RUN dir c:\\'));
    assert.equal(df.directives.escape, '`');
    const [copy, run] = only(df) as [CopyInstruction, RunInstruction];
    assert.equal(copy.dest, 'c:\\');
    assert.deepEqual(run.command, { form: 'shell', command: 'dir c:\\' });
    assert.equal(run.startLine, 5);
  });

  it('continues lines with the backtick under escape=`', () => {
    const df = parseDockerfile(lines('# escape=`', 'FROM x', 'RUN a `', '  b'));
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'a   b' });
  });

  it('accepts syntax and is case-insensitive with spaces', () => {
    const df = parseDockerfile(lines('#  SYNTAX = docker/dockerfile:1.4 ', '#Escape=`', 'FROM x'));
    assert.equal(df.directives.syntax, 'docker/dockerfile:1.4');
    assert.equal(df.directives.escape, '`');
  });

  it('ignores directives after a comment, an unknown directive, an empty line or an instruction', () => {
    for (const before of ['# About my dockerfile', '# unknowndirective=value', '', 'FROM x']) {
      const df = parseDockerfile(lines(before, '# escape=`', 'FROM y'));
      assert.equal(df.directives.escape, '\\', JSON.stringify(before));
    }
  });

  it('rejects a repeated directive and a bad escape token', () => {
    assert.throws(() => parseDockerfile(lines('# escape=\\', '# escape=`', 'FROM x')), /Dockerfile:2: only one escape parser directive can be used/);
    assert.throws(() => parseDockerfile(lines('# escape=x', 'FROM x')), /invalid escape token 'x' does not match ` or \\/);
  });
});

describe('lines, comments and continuations', () => {
  it('joins continuations, skipping comment lines inside them (Docker docs)', () => {
    const df = parseDockerfile(lines('FROM x', 'RUN echo hello \\', '# comment', '    # indented comment', 'world'));
    const run = only(df)[0] as RunInstruction;
    assert.deepEqual(run.command, { form: 'shell', command: 'echo hello world' });
    assert.equal(run.original, 'RUN echo hello world');
    assert.deepEqual([run.startLine, run.endLine], [2, 5]);
    assert.deepEqual(df.warnings, []);
  });

  it('skips empty continuation lines with a warning', () => {
    const df = parseDockerfile(lines('FROM x', 'RUN echo hello \\', '', 'world'));
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'echo hello world' });
    assert.equal(df.warnings.length, 1);
    assert.match(df.warnings[0].message, /Empty continuation line found in: RUN echo hello world/);
  });

  it('keeps the leading whitespace of continuation lines', () => {
    const df = parseDockerfile(lines('FROM x', 'RUN a \\', '    b \\  ', '\tc'));
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'a     b \tc' });
  });

  it('does not continue after an escaped escape', () => {
    const df = parseDockerfile(lines('FROM x', 'RUN echo a\\\\', 'RUN echo b'));
    assert.equal(only(df).length, 2);
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'echo a\\\\' });
  });

  it('handles CRLF, a BOM, indentation and a missing final newline', () => {
    const df = parseDockerfile('\uFEFF  FROM x\r\n\t RUN a \\\r\n b\r\nCMD c');
    assert.equal(df.stages[0].baseName, 'x');
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'a  b' });
    assert.equal(only(df)[1].startLine, 4);
    assert.equal(df.lineCount, 4);
  });

  it('treats # only at line start as a comment', () => {
    const df = parseDockerfile(lines('FROM x', 'RUN echo hi # not a comment'));
    assert.deepEqual((only(df)[0] as RunInstruction).command, { form: 'shell', command: 'echo hi # not a comment' });
  });

  it('reads instruction names case-insensitively', () => {
    const df = parseDockerfile(lines('from alpine as Builder', 'run echo', 'Copy a b'));
    assert.equal(df.stages[0].name, 'builder');
    assert.equal(only(df)[0].kind, 'RUN');
    assert.equal(only(df)[0].keyword, 'run');
    assert.equal(only(df)[1].kind, 'COPY');
  });
});

describe('stages and meta ARGs', () => {
  it('collects ARGs before the first FROM and indexes stages', () => {
    const df = parseDockerfile(
      lines('ARG VERSION=latest', 'ARG BASE', 'FROM --platform=$BUILDPLATFORM busybox:$VERSION AS Build', 'ARG VERSION', 'RUN x', 'FROM scratch', 'COPY --from=build /a /b'),
    );
    assert.deepEqual(
      df.metaArgs.map((a) => a.args),
      [[{ name: 'VERSION', defaultValue: 'latest' }], [{ name: 'BASE' }]],
    );
    assert.equal(df.stages.length, 2);
    assert.deepEqual([df.stages[0].index, df.stages[0].name, df.stages[0].baseName, df.stages[0].platform], [0, 'build', 'busybox:$VERSION', '$BUILDPLATFORM']);
    assert.deepEqual([df.stages[1].index, df.stages[1].name, df.stages[1].baseName], [1, undefined, 'scratch']);
    assert.equal((df.stages[1].instructions[0] as CopyInstruction).from, 'build');
  });

  it('parses several ARGs on one line with quoted defaults kept raw', () => {
    const df = parseDockerfile(lines('FROM x', 'ARG a=1 b c="x y" d='));
    const arg = only(df)[0];
    assert.equal(arg.kind, 'ARG');
    if (arg.kind !== 'ARG') return;
    assert.deepEqual(arg.args, [{ name: 'a', defaultValue: '1' }, { name: 'b' }, { name: 'c', defaultValue: '"x y"' }, { name: 'd', defaultValue: '' }]);
  });
});

describe('ENV and LABEL', () => {
  it('parses the Docker docs ENV examples', () => {
    const df = parseDockerfile(lines('FROM x', 'ENV MY_NAME="John Doe"', 'ENV MY_DOG=Rex\\ The\\ Dog', 'ENV MY_CAT=fluffy', 'ENV a=1 b="2 3" \\', '    c=4'));
    const pairs = only(df).flatMap((i) => (i as EnvInstruction).pairs);
    assert.deepEqual(
      pairs.map((p) => [p.key, expand(p.value, {})]),
      [
        ['MY_NAME', 'John Doe'],
        ['MY_DOG', 'Rex The Dog'],
        ['MY_CAT', 'fluffy'],
        ['a', '1'],
        ['b', '2 3'],
        ['c', '4'],
      ],
    );
    assert.deepEqual(pairs[0], { key: 'MY_NAME', value: '"John Doe"', legacy: false });
  });

  it('parses legacy ENV key value with the rest of the line as value', () => {
    const env = only(parseDockerfile(lines('FROM x', 'ENV ONE TWO= THREE=world')))[0] as EnvInstruction;
    assert.deepEqual(env.pairs, [{ key: 'ONE', value: 'TWO= THREE=world', legacy: true }]);
  });

  it('parses the Docker docs LABEL examples', () => {
    const df = parseDockerfile(
      lines(
        'FROM x',
        'LABEL "com.example.vendor"="ACME Incorporated"',
        'LABEL com.example.label-with-value="foo"',
        'LABEL version="1.0"',
        'LABEL description="This text illustrates \\',
        'that label-values can span multiple lines."',
        'LABEL multi.label1="value1" multi.label2="value2" other="value3"',
      ),
    );
    const pairs = only(df).flatMap((i) => (i as LabelInstruction).pairs.map((p) => [expand(p.key, {}), expand(p.value, {})]));
    assert.deepEqual(pairs, [
      ['com.example.vendor', 'ACME Incorporated'],
      ['com.example.label-with-value', 'foo'],
      ['version', '1.0'],
      ['description', 'This text illustrates that label-values can span multiple lines.'],
      ['multi.label1', 'value1'],
      ['multi.label2', 'value2'],
      ['other', 'value3'],
    ]);
  });
});

describe('exec and shell forms', () => {
  it('takes JSON arrays as exec form and anything else as shell form', () => {
    const df = parseDockerfile(
      lines('FROM x', 'CMD ["echo", "hi  there"]', "CMD ['single']", 'CMD ["unterminated"', 'ENTRYPOINT []', 'ENTRYPOINT', 'RUN   echo   a', 'SHELL ["/bin/bash", "-c"]'),
    );
    const forms = only(df).map((i) => ('command' in i ? i.command : 'shell' in i ? i.shell : undefined));
    assert.deepEqual(forms, [
      { form: 'exec', args: ['echo', 'hi  there'] },
      { form: 'shell', command: "['single']" },
      { form: 'shell', command: '["unterminated"' },
      { form: 'exec', args: [] },
      { form: 'exec', args: [] },
      { form: 'shell', command: 'echo   a' },
      ['/bin/bash', '-c'],
    ]);
  });

  it('parses COPY/ADD JSON and whitespace lists and their flags', () => {
    const df = parseDockerfile(
      lines('FROM x', 'COPY --chown=55:mygroup --chmod=644 --link files* /somedir/', 'ADD ["a b.txt", "/dst dir/"]', 'ADD --checksum=sha256:abc --keep-git-dir=true https://x/y.tar /z', 'COPY --link=false a b'),
    );
    const [c1, a1, a2, c2] = only(df) as [CopyInstruction, CopyInstruction, Instruction, CopyInstruction];
    assert.deepEqual([c1.sources, c1.dest, c1.chown, c1.chmod, c1.link], [['files*'], '/somedir/', '55:mygroup', '644', true]);
    assert.deepEqual([a1.kind, a1.sources, a1.dest], ['ADD', ['a b.txt'], '/dst dir/']);
    assert.equal(a2.kind, 'ADD');
    if (a2.kind === 'ADD') assert.deepEqual([a2.checksum, a2.keepGitDir], ['sha256:abc', true]);
    assert.equal(c2.link, false);
  });

  it('parses RUN flags raw, quotes removed', () => {
    const run = only(parseDockerfile(lines('FROM x', 'RUN --mount=type=cache,target=/root/.cache --mount="type=tmpfs,target=/t" --network=none echo')))[0] as RunInstruction;
    assert.deepEqual(run.mounts, ['type=cache,target=/root/.cache', 'type=tmpfs,target=/t']);
    assert.equal(run.network, 'none');
    assert.deepEqual(run.command, { form: 'shell', command: 'echo' });
  });

  it('parses EXPOSE (sorted as Docker does), VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER', () => {
    const df = parseDockerfile(lines('FROM x', 'EXPOSE 80/tcp 53/udp 8080', 'VOLUME ["/data", "/var/log"]', 'VOLUME /a /b', 'USER app:app', 'WORKDIR /path with space', 'STOPSIGNAL SIGKILL', 'MAINTAINER Jane <j@x>'));
    const [expose, v1, v2, user, wd, sig, m] = only(df);
    assert.deepEqual(expose.kind === 'EXPOSE' && expose.ports, ['53/udp', '80/tcp', '8080']);
    assert.deepEqual(v1.kind === 'VOLUME' && [v1.paths, v1.json], [['/data', '/var/log'], true]);
    assert.deepEqual(v2.kind === 'VOLUME' && [v2.paths, v2.json], [['/a', '/b'], false]);
    assert.equal(user.kind === 'USER' && user.user, 'app:app');
    assert.equal(wd.kind === 'WORKDIR' && wd.path, '/path with space');
    assert.equal(sig.kind === 'STOPSIGNAL' && sig.signal, 'SIGKILL');
    assert.equal(m.kind === 'MAINTAINER' && m.maintainer, 'Jane <j@x>');
  });

  it('parses HEALTHCHECK with options, NONE and exec form', () => {
    const df = parseDockerfile(
      lines(
        'FROM x',
        'HEALTHCHECK --interval=5m --timeout=3s --start-period=1.5s --start-interval=100ms --retries=4 \\',
        '  CMD curl -f http://localhost/ || exit 1',
        'HEALTHCHECK NONE',
        'HEALTHCHECK cmd ["/bin/check", "-v"]',
      ),
    );
    const [h1, h2, h3] = only(df);
    assert.deepEqual(h1.kind === 'HEALTHCHECK' && h1.check, {
      none: false,
      command: { form: 'shell', command: 'curl -f http://localhost/ || exit 1' },
      options: { interval: 300e9, timeout: 3e9, startPeriod: 1.5e9, startInterval: 100e6, retries: 4 },
    });
    assert.deepEqual(h2.kind === 'HEALTHCHECK' && h2.check, { none: true });
    assert.deepEqual(h3.kind === 'HEALTHCHECK' && h3.check, { none: false, command: { form: 'exec', args: ['/bin/check', '-v'] }, options: {} });
  });

  it('parses ONBUILD with its trigger and expression', () => {
    const df = parseDockerfile(lines('FROM x', 'ONBUILD ADD . /app/src', 'onbuild  RUN --mount=type=cache,target=/c make'));
    const [o1, o2] = only(df);
    assert.equal(o1.kind, 'ONBUILD');
    if (o1.kind !== 'ONBUILD' || o2.kind !== 'ONBUILD') return;
    assert.equal(o1.expression, 'ADD . /app/src');
    assert.equal(o1.trigger.kind, 'ADD');
    assert.equal(o2.expression, 'RUN --mount=type=cache,target=/c make');
    assert.deepEqual(o2.trigger.kind === 'RUN' && o2.trigger.mounts, ['type=cache,target=/c']);
  });
});
