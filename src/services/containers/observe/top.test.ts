import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCommand } from '../../../lib/exec-file.js';
import { parsePsOutput, validatePsArgs } from './top.js';

describe('docker top output (moby parsePSOutput)', () => {
  it('keeps the container pids, joining the command into the last column', () => {
    const out = ['UID          PID    PPID  C STIME TTY          TIME CMD', 'root          10       1  0 12:37 ?        00:00:00 sleep 1000', 'root          11      10  0 12:37 ?        00:00:00 sh -c echo  hi', 'root          99       1  0 12:37 ?        00:00:00 other', ''].join('\n');
    assert.deepEqual(parsePsOutput(out, new Set([10, 11])), {
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '10', '1', '0', '12:37', '?', '00:00:00', 'sleep 1000'],
        ['root', '11', '10', '0', '12:37', '?', '00:00:00', 'sh -c echo hi'],
      ],
    });
  });

  it('keeps thread lines (PID -) after a kept process only', () => {
    const out = ['USER PID TID CMD', 'root 10 - sleep', 'root - 10 -', 'root 99 - x', 'root - 99 -'].join('\n');
    assert.deepEqual(parsePsOutput(out, new Set([10])).Processes, [
      ['root', '10', '-', 'sleep'],
      ['root', '-', '10', '-'],
    ]);
  });

  it('needs a PID column', () => {
    assert.throws(() => parsePsOutput('USER CMD\nroot x\n', new Set()), /Couldn't find PID field in ps output/);
  });

  it('refuses ps_args that rename the PID column', () => {
    assert.throws(() => validatePsArgs('-o pid,ppid -o x=PID'), /specifying "x=PID" is not allowed/);
    validatePsArgs('-o pid=PID');
    validatePsArgs('aux');
  });

  it("parses the host's real ps output for this process", async () => {
    const res = await runCommand('ps', ['-ef', `-q${process.pid}`]);
    const top = parsePsOutput(res.stdout, new Set([process.pid]));
    assert.equal(top.Processes?.length, 1);
    assert.equal(top.Processes?.[0]?.[1], String(process.pid));
  });
});
