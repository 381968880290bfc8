import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inCreateWords, startFailureExitCode } from './runtime-errors.js';

describe('runtime error wording', () => {
  it("puts crun's start failures in the words the docker CLI maps to 127 and 126", () => {
    // The CLI's own test: "executable file not found" or "no such file or directory" → 127,
    // "permission denied" or "is a directory" → 126, case-sensitive.
    const cli = (m: string) => (/executable file not found|no such file or directory/.test(m) ? 127 : /permission denied|is a directory/.test(m) ? 126 : 125);
    const missing = 'crun: executable file `nosuchcmd` not found in $PATH: No such file or directory';
    const denied = 'crun: open executable: Permission denied';
    assert.equal(cli(missing), 125, 'crun as written would be 125');
    assert.equal(cli(inCreateWords(missing)), 127);
    assert.equal(cli(inCreateWords(denied)), 126);
    assert.equal(startFailureExitCode(missing), 127);
    assert.equal(startFailureExitCode(denied), 126);
    // runc's own words are kept; only its `run` becomes Docker's `create`.
    assert.equal(
      inCreateWords('runc run failed: unable to start container process: exec: "x": executable file not found in $PATH'),
      'runc create failed: unable to start container process: exec: "x": executable file not found in $PATH',
    );
  });
});
