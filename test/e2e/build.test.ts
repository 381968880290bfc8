/**
 * `DOCKER_BUILDKIT=0 docker build` (the real CLI, classic builder API) against a private wharfd:
 * every instruction and the image it makes (config, history, files), the message stream,
 * multi-stage builds (only the stages the target needs; COPY --from), and the allow-list
 * .dockerignore. Cache behaviour is in build-cache.test.ts, failures in build-errors.test.ts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { run, type TestDaemon } from '../helpers/wharfd.js';
import { cleanupContexts, dockerBuild, everyInstructionContext, exportListing, idOf, ok, writeContext } from './build.fixture.js';
import { cleanupFixture, startDaemonWithBusybox } from './containers-lifecycle.fixture.js';

after(cleanupFixture);
after(cleanupContexts);

describe('docker build (classic builder) against wharfd', () => {
  let d: TestDaemon;

  before(async () => {
    d = await startDaemonWithBusybox();
  });
  after(async () => {
    await d?.destroy();
  });

  it('builds every instruction into the image config, history and files Docker makes', async () => {
    const ctx = await everyInstructionContext();
    const r = await dockerBuild(d, ['-t', 'every:1', '--build-arg', 'UNUSED=x', ctx]);
    const out = ok(r, 'build');
    assert.match(out, /^Step 1\/19 : FROM busybox$/m);
    assert.match(out, /^Step 6\/19 : RUN echo built \$V > built.txt/m);
    assert.match(out, /^ ---> Running in [0-9a-f]{12}$/m);
    assert.match(out, /^Removing intermediate container [0-9a-f]{12}$/m);
    assert.match(out, /^\[Warning\] One or more build-args \[UNUSED\] were not consumed$/m);
    assert.match(out, /^Successfully built [0-9a-f]{12}$/m);
    assert.match(out, /^Successfully tagged every:1$/m);
    const cfg = JSON.parse(ok(await d.docker(['image', 'inspect', '-f', '{{json .Config}}', 'every:1']), 'inspect'));
    assert.deepEqual(cfg.Cmd, ['/bin/sh', '-ec', 'echo hi']);
    assert.deepEqual(cfg.Entrypoint, ['/bin/sh']);
    assert.deepEqual(cfg.Env.slice(1), ['A=b', 'C=d e']);
    assert.equal(cfg.WorkingDir, '/app/w');
    assert.equal(cfg.User, 'app');
    assert.deepEqual(cfg.ExposedPorts, { '443/udp': {}, '80/tcp': {} });
    assert.deepEqual(cfg.Labels, { x: 'y', 'z z': 'w' });
    assert.deepEqual(cfg.Volumes, { '/data': {} });
    assert.deepEqual(cfg.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 3 });
    assert.equal(cfg.StopSignal, 'SIGINT');
    assert.deepEqual(cfg.OnBuild, ['RUN echo onbuild']);
    assert.deepEqual(cfg.Shell, ['/bin/sh', '-ec']);
    const history = ok(await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'every:1']), 'history').trim().split('\n');
    assert.equal(history.length, 19);
    assert.equal(history[0], '/bin/sh -ec #(nop)  CMD ["/bin/sh" "-ec" "echo hi"]|0B');
    assert.equal(history[5], `/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" '\\x03'}|0B`);
    assert.equal(history[8], '/bin/sh -c #(nop)  VOLUME [/data]|0B');
    assert.equal(history[9], '/bin/sh -c #(nop)  EXPOSE 443/udp 80|0B');
    assert.match(history[10]!, /^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/unpacked\/ \|7B$/);
    assert.match(history[11]!, /^\/bin\/sh -c #\(nop\) COPY --chown=app:stafffile:[0-9a-f]{64} in \/owned\/ \|6B$/);
    assert.match(history[12]!, /^\/bin\/sh -c #\(nop\) COPY multi:[0-9a-f]{64} in \.\/ \|10B$/);
    assert.match(history[13]!, /^\|1 V=1 \/bin\/sh -c echo built \$V > built.txt && /);
    assert.equal(history[14], '/bin/sh -c #(nop) WORKDIR /app/w|0B');
    assert.equal(history[17], '/bin/sh -c #(nop)  ARG V=1|0B');
    const files = await exportListing(d, 'every:1', ['app/', 'owned/', 'unpacked/']);
    assert.deepEqual(files, [
      'drwxr-xr-x 0/0 0 app/',
      'drwxr-xr-x 0/0 0 app/w/',
      '-rw------- 0/0 2 app/w/a',
      '-rw-r--r-- 0/0 8 app/w/built.txt',
      'drwxr-xr-x 0/0 0 app/w/deep/',
      '-rw-r--r-- 0/0 2 app/w/deep/b',
      '-rw-r--r-- 0/0 6 app/w/hello.txt',
      'drwxr-xr-x 1000/50 0 owned/',
      '-rw-r--r-- 1000/50 6 owned/hello.txt',
      'drwxr-xr-x 0/0 0 unpacked/',
      'drwxr-xr-x 7/8 0 unpacked/t/',
      '-rw-r----- 7/8 7 unpacked/t/inside.txt',
    ].sort());
    const runOut = ok(await d.docker(['run', '--rm', 'every:1', '-c', 'cat built.txt; id -u']), 'run');
    assert.equal(runOut, 'built 1\n1000\n');
  });

  it('sends the JSON message stream of the transcript (stream lines, aux ID, errorDetail)', async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nRUN echo built > /built.txt\nCOPY hello.txt /hello.txt\n', 'hello.txt': 'hi\n' });
    const r = await run('sh', ['-c', `tar -c -C ${ctx} . | curl -s --unix-socket ${d.socket} -X POST -H 'Content-Type: application/x-tar' --data-binary @- 'http://x/v1.41/build?t=stream:1'`]);
    const lines = r.stdout.split('\r\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(lines.slice(0, 4), [{ stream: 'Step 1/3 : FROM busybox' }, { stream: '\n' }, lines[2], { stream: 'Step 2/3 : RUN echo built > /built.txt' }]);
    assert.match(lines[2].stream, /^ ---> [0-9a-f]{12}\n$/);
    const aux = lines.find((l) => l.aux);
    assert.match(aux.aux.ID, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(lines.at(-2), { stream: `Successfully built ${aux.aux.ID.slice(7, 19)}\n` });
    assert.deepEqual(lines.at(-1), { stream: 'Successfully tagged stream:1\n' });
  });

  it('builds only the stages the target needs; COPY --from a stage by name and by index', async () => {
    const ctx = await writeContext({
      Dockerfile: [
        'FROM busybox AS builder',
        'RUN dd if=/dev/zero of=/big bs=1024 count=3072 2>/dev/null && echo artifact > /artifact',
        'FROM busybox AS unused',
        'RUN echo SHOULD-NOT-RUN',
        'FROM busybox',
        'COPY --from=builder /artifact /artifact',
        'COPY --from=0 /artifact /artifact0',
        '',
      ].join('\n'),
    });
    const out = ok(await dockerBuild(d, ['-t', 'multi:final', ctx]), 'build');
    assert.doesNotMatch(out, /SHOULD-NOT-RUN/);
    assert.match(out, /^Step 1\/5 : FROM busybox AS builder$/m);
    assert.equal(ok(await d.docker(['run', '--rm', 'multi:final', 'cat', '/artifact', '/artifact0']), 'run'), 'artifact\nartifact\n');
    ok(await dockerBuild(d, ['-t', 'multi:builder', '--target', 'builder', ctx]), 'build --target');
    const size = async (ref: string) => Number(ok(await d.docker(['image', 'inspect', '-f', '{{.Size}}', ref]), 'inspect').trim());
    const [final, oneStage] = [await size('multi:final'), await size('multi:builder')];
    assert.ok(final < oneStage - 3_000_000, `final image ${final} B should be smaller than the one-stage ${oneStage} B`);
    assert.equal(ok(await d.docker(['run', '--rm', 'multi:builder', 'ls', '/big']), 'run').trim(), '/big');
  });

  it('honours an allow-list .dockerignore (* then !file)', async () => {
    const ctx = await writeContext({
      Dockerfile: 'FROM busybox\nCOPY . /ctx/\n',
      '.dockerignore': '*\n!keep.txt\n',
      'keep.txt': 'keep\n',
      'drop.txt': 'drop\n',
      'dir/nested.txt': 'nested\n',
    });
    ok(await dockerBuild(d, ['-t', 'ignore:1', ctx]), 'build');
    assert.equal(ok(await d.docker(['run', '--rm', 'ignore:1', 'ls', '-A', '/ctx']), 'run'), 'keep.txt\n');
  });

  it('passes build args, labels and the network mode to the build', async () => {
    const ctx = await writeContext({ Dockerfile: 'FROM busybox\nARG WHO\nRUN echo "hi $WHO" > /who\n' });
    const id = idOf(ok(await dockerBuild(d, ['-q', '--build-arg', 'WHO=there', '--label', 'team=core', '--network', 'none', ctx]), 'build'));
    assert.equal(ok(await d.docker(['run', '--rm', id, 'cat', '/who']), 'run'), 'hi there\n');
    assert.equal(ok(await d.docker(['image', 'inspect', '-f', '{{json .Config.Labels}}', id]), 'inspect').trim(), '{"team":"core"}');
    const hist = ok(await d.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', id]), 'history');
    assert.match(hist, /^\|1 WHO=there \/bin\/sh -c echo "hi \$WHO" > \/who$/m);
    assert.match(hist, /^\/bin\/sh -c #\(nop\) {2}LABEL team=core$/m);
  });

  it('runs ONBUILD triggers of the base image', async () => {
    const base = await writeContext({ Dockerfile: 'FROM busybox\nONBUILD RUN echo triggered > /t\nONBUILD ENV FROM_TRIGGER=1\n' });
    ok(await dockerBuild(d, ['-q', '-t', 'onbuild:base', base]), 'base');
    const child = await writeContext({ Dockerfile: 'FROM onbuild:base\nRUN cat /t\n' });
    const out = ok(await dockerBuild(d, ['-t', 'onbuild:child', child]), 'child');
    assert.match(out, /^# Executing 2 build triggers$/m);
    assert.match(out, /^triggered$/m);
    const cfg = JSON.parse(ok(await d.docker(['image', 'inspect', '-f', '{{json .Config}}', 'onbuild:child']), 'inspect'));
    assert.equal(cfg.OnBuild ?? null, null, 'triggers do not pass on');
    assert.ok(cfg.Env.includes('FROM_TRIGGER=1'));
  });

  it('ADD fetches a URL on loopback; heredocs, wildcards and --chmod work', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT' });
      res.end(`served ${req.url}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const ctx = await writeContext({
        Dockerfile: [
          'FROM busybox',
          `ARG PORT=${port}`,
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template
          'ADD http://127.0.0.1:${PORT}/remote.txt /dl/',
          'COPY --chmod=750 *.sh /scripts/',
          'COPY <<EOF /inline.txt',
          'port $PORT',
          'EOF',
          'RUN <<EOT',
          'cat /inline.txt > /from-heredoc',
          'EOT',
          '',
        ].join('\n'),
        'a.sh': 'echo a\n',
        'b.sh': 'echo b\n',
        'c.txt': 'not copied\n',
      });
      ok(await dockerBuild(d, ['-t', 'extras:1', ctx]), 'build');
      const out = ok(await d.docker(['run', '--rm', 'extras:1', 'sh', '-c', 'cat /dl/remote.txt /from-heredoc; stat -c "%a %n" /dl/remote.txt /scripts/*; ls /scripts']), 'run');
      assert.equal(out, `served /remote.txt\nport ${port}\n600 /dl/remote.txt\n750 /scripts/a.sh\n750 /scripts/b.sh\na.sh\nb.sh\n`);
      const mtime = ok(await d.docker(['run', '--rm', 'extras:1', 'stat', '-c', '%Y', '/dl/remote.txt']), 'stat').trim();
      assert.equal(mtime, String(Date.parse('2024-01-01T00:00:00Z') / 1000), 'Last-Modified becomes the mtime');
    } finally {
      server.close();
    }
  });
  it("heredocs follow BuildKit's documented semantics (dockerd 20.10's classic builder has none)", async () => {
    const ctx = await writeContext({
      Dockerfile: [
        'FROM busybox',
        'ARG NAME=world',
        'RUN <<EOF',
        'echo "hello $NAME" > /run-expanded',
        'EOF',
        "RUN <<-'EOT'",
        '\t\techo tabs stripped > /tabs',
        '\tEOT',
        'COPY <<EOF /expanded',
        'hi $NAME',
        'EOF',
        "COPY <<'EOF' /literal",
        'hi $NAME',
        'EOF',
        'COPY <<a <<b /multi/',
        'A',
        'a',
        'B',
        'b',
        'RUN cat <<EOF > /complex && cat <<EOT >> /complex',
        'complex $NAME',
        'EOF',
        'second',
        'EOT',
        'RUN <<EOF',
        '#!/bin/sh -e',
        'echo "shebang $NAME" > /shebang',
        'EOF',
        '',
      ].join('\n'),
    });
    ok(await dockerBuild(d, ['-t', 'heredoc:1', ctx]), 'build');
    const files = ['/run-expanded', '/tabs', '/expanded', '/literal', '/multi/a', '/multi/b', '/complex', '/shebang'];
    const out = ok(await d.docker(['run', '--rm', 'heredoc:1', 'cat', ...files]), 'run');
    assert.equal(out, 'hello world\ntabs stripped\nhi world\nhi $NAME\nA\nB\ncomplex world\nsecond\nshebang world\n');
  });
  it('runs RUN with the security defaults of docker run and the build\'s --network, --shm-size and --memory', async () => {
    // Capabilities, seccomp, masked /proc paths, /dev/shm size, memory cgroup limit, interfaces.
    const probe = [
      "grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status",
      "df -k /dev/shm | tail -1 | awk '{print $2}'",
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'ls /sys/class/net',
      "grep ' /proc/' /proc/self/mounts | cut -d' ' -f2,4",
      'id',
    ].join('; ');
    const ctx = await writeContext({ Dockerfile: `FROM busybox\nRUN (${probe}) > /probe\n` });
    const flags = ['--network', 'none', '--shm-size', '96m', '--memory', '64m'];
    ok(await dockerBuild(d, ['-t', 'probe:1', ...flags, ctx]), 'build');
    const built = ok(await d.docker(['run', '--rm', 'probe:1', 'cat', '/probe']), 'cat');
    const asRun = ok(await d.docker(['run', '--rm', ...flags, 'busybox', 'sh', '-c', probe]), 'run');
    assert.equal(built, asRun);
    assert.match(built, /^CapEff:\t00000000a80425fb$/m, "Docker's default capabilities");
    assert.match(built, /^Seccomp:\t2$/m, "Docker's seccomp filter");
    assert.match(built, /^98304\n67108864\nlo\n/m, 'shm size, memory limit, no network');
    assert.match(built, /^\/proc\/sys ro,/m, 'read-only /proc paths');
  });
});
