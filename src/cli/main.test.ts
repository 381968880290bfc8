import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { normalizeArgv } from './argv.js';
import { addDefaultTrueFlag, defineCommand, managementCommand } from './command-kit.js';
import { main } from './main.js';

async function run(args: string[], commands = [] as Parameters<typeof main>[1] extends infer O ? (O extends { commands?: infer C } ? C : never) : never) {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (b: Buffer) => (stdout += b));
  const err = new PassThrough().on('data', (b: Buffer) => (stderr += b));
  const env = { ...process.env, WHARF_HOST: 'unix:///nonexistent/wharf.sock' };
  const code = await main(args, { io: { stdout: out, stderr: err, stdin: Readable.from([]), env }, commands });
  return { code, stdout, stderr };
}

describe('wharf CLI plumbing', () => {
  it('reports usage errors in docker words and statuses', async () => {
    assert.deepEqual(await run(['tag', 'a']), {
      code: 1,
      stdout: '',
      stderr: "wharf: 'wharf tag' requires 2 arguments\n\nUsage:  wharf tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\nRun 'wharf tag --help' for more information\n",
    });
    const rmi = await run(['image', 'rm']);
    assert.equal(rmi.stderr, "wharf: 'wharf image rm' requires at least 1 argument\n\nUsage:  wharf image rm [OPTIONS] IMAGE [IMAGE...]\n\nSee 'wharf image rm --help' for more information\n");
    const flag = await run(['images', '--nope']);
    assert.deepEqual([flag.code, flag.stderr.split('\n')[0]], [125, 'unknown flag: --nope']);
    const short = await run(['history', '-Z', 'x']);
    assert.deepEqual([short.code, short.stderr.split('\n')[0]], [125, "unknown shorthand flag: 'Z' in -Z"]);
    const missing = await run(['images', '--format']);
    assert.deepEqual([missing.code, missing.stderr.split('\n')[0]], [125, 'flag needs an argument: --format']);
    const unknown = await run(['frob']);
    assert.deepEqual([unknown.code, unknown.stderr], [1, "wharf: unknown command: wharf frob\n\nRun 'wharf --help' for more information\n"]);
    const unknownSub = await run(['image', 'frob']);
    assert.equal(unknownSub.stderr, "wharf: unknown command: wharf image frob\n\nUsage:  wharf image\n\nRun 'wharf image --help' for more information\n");
  });

  it('prints its version and help', async () => {
    assert.deepEqual(await run(['--version']), { code: 0, stdout: 'Wharf version 0.1.0\n', stderr: '' });
    const help = await run(['image']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /ls\|list \[options\]/);
    assert.match((await run(['images', '--help'])).stdout, /Usage: wharf images \[OPTIONS\] \[REPOSITORY\[:TAG\]\]/);
  });

  it('fails cleanly without a daemon', async () => {
    const r = await run(['images']);
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Cannot connect to the Wharf daemon at unix:///nonexistent/wharf.sock. Is the wharf daemon running?\n' });
    const v = await run(['version', '-f', '{{.Client.Version}}']);
    assert.equal(v.stdout, '0.1.0\n');
    assert.equal(v.code, 1);
  });

  it('takes extra commands through the registry hook, with -H before the command', async () => {
    let seen: unknown;
    const hello = (program: Command) => {
      const grp = managementCommand(program, 'image', 'Manage images');
      const cmd = defineCommand<{ human: boolean }>(grp, { name: 'hello', usage: '[OPTIONS] NAME', description: 'test', args: { exactly: 1 } }, async (args, opts) => {
        seen = { args, human: opts.human, host: program.opts().host };
      });
      addDefaultTrueFlag(cmd, '-H, --human', 'human');
    };
    assert.equal((await run(['-H', 'unix:///x.sock', 'image', 'hello', '--human=false', 'n'], [hello])).code, 0);
    assert.deepEqual(seen, { args: ['n'], human: false, host: 'unix:///x.sock' });
  });

  it('runs as a process and sets the exit status', () => {
    const entry = fileURLToPath(new URL('../cmd/wharf.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', entry, 'tag'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^wharf: 'wharf tag' requires 2 arguments/);
  });
});

describe('argv normalization', () => {
  it('rewrites Go-style boolean flags for the command they belong to', () => {
    const program = new Command('wharf').option('-D, --debug').option('-H, --host <h>');
    const sub = program.command('history').option('-q, --quiet').option('--format <f>');
    addDefaultTrueFlag(sub, '-H, --human', 'human');
    assert.deepEqual(
      normalizeArgv(program, ['-D=true', '-H', 'h', 'history', '-H=false', '--quiet=0', '--format=x', '-q=1', 'img', '--', '--human=false']),
      ['--debug', '-H', 'h', 'history', '--no-human', '--format=x', '--quiet', 'img', '--', '--human=false'],
    );
  });
});
