import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKind } from '../../errdefs/index.js';
import { DockerfileParseError, dockerdParseMessage } from './errors.js';
import { parseDockerfile } from './parse-dockerfile.js';

/** Asserts that `text` fails with exactly `message`, as an InvalidArgument DockerfileParseError. */
function fails(text: string, message: string, file?: string): DockerfileParseError {
  let caught: unknown;
  try {
    parseDockerfile(text, file ? { file } : {});
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DockerfileParseError, `expected a parse error for ${JSON.stringify(text)}, got ${String(caught)}`);
  assert.ok(isKind(caught, 'InvalidArgument'));
  assert.equal(caught.message, message);
  return caught;
}

describe('parse errors', () => {
  it('names the file, the line and the problem', () => {
    const e = fails('FROM x\n\nFOO bar\n', 'Dockerfile:3: unknown instruction: FOO');
    assert.deepEqual([e.file, e.line, e.problem], ['Dockerfile', 3, 'unknown instruction: FOO']);
    fails('FROM x\nfoo bar\n', 'build/Dockerfile.dev:2: unknown instruction: FOO', 'build/Dockerfile.dev');
  });

  it("words errors as dockerd's classic builder does on POST /build", () => {
    assert.equal(dockerdParseMessage(fails('FROM x\n\nFOO bar\n', 'Dockerfile:3: unknown instruction: FOO')), 'dockerfile parse error line 3: unknown instruction: FOO');
    const dup = fails('# escape=`\n# escape=\\\nFROM x\n', 'Dockerfile:2: only one escape parser directive can be used');
    assert.equal(dockerdParseMessage(dup), 'failed to parse Dockerfile: only one escape parser directive can be used');
    assert.equal(dockerdParseMessage(fails('# only a comment\n', 'Dockerfile:1: file with no instructions')), 'failed to parse Dockerfile: file with no instructions');
    assert.equal(dockerdParseMessage(fails('ARG X\nRUN true\n', 'Dockerfile:2: no build stage in current context')), 'no build stage in current context');
  });

  it('reports the first line of a continued instruction', () => {
    const e = fails('FROM x\nENV \\\n  a=b \\\n  c\n', 'Dockerfile:2: Syntax error - can\'t find = in "c". Must be of the form: name=value');
    assert.equal(e.endLine, 4);
  });

  const cases: [string, string][] = [
    ['FROM\n', 'Dockerfile:1: FROM requires either one or three arguments'],
    ['FROM a b\n', 'Dockerfile:1: FROM requires either one or three arguments'],
    ['FROM a AS b c\n', 'Dockerfile:1: FROM requires either one or three arguments'],
    ['FROM a FOR b\n', 'Dockerfile:1: FROM requires either one or three arguments'],
    ['FROM a AS 1st\n', 'Dockerfile:1: invalid name for build stage: "1st", name can\'t start with a number or contain symbols'],
    ['FROM --platfrom=linux/amd64 a\n', 'Dockerfile:1: Unknown flag: platfrom'],
    ['FROM x\nENV =b\n', 'Dockerfile:2: ENV names can not be blank'],
    ['FROM x\nENV\n', 'Dockerfile:2: ENV requires at least one argument'],
    ['FROM x\nENV x\n', 'Dockerfile:2: ENV must have two arguments'],
    ['FROM x\nENV a=b x\n', 'Dockerfile:2: Syntax error - can\'t find = in "x". Must be of the form: name=value'],
    ['FROM x\nLABEL\n', 'Dockerfile:2: LABEL requires at least one argument'],
    ['FROM x\nLABEL =x\n', 'Dockerfile:2: LABEL names can not be blank'],
    ['FROM x\nARG\n', 'Dockerfile:2: ARG requires at least one argument'],
    ['FROM x\nARG =1\n', 'Dockerfile:2: ARG names can not be blank'],
    ['RUN echo\nFROM x\n', 'Dockerfile:1: no build stage in current context'],
    ['ARG a\nENV b=c\nFROM x\n', 'Dockerfile:2: no build stage in current context'],
    ['FROM x\nCOPY a\n', 'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['FROM x\nADD\n', 'Dockerfile:2: ADD requires at least two arguments, but only one was provided. Destination could not be determined'],
    ['FROM x\nCOPY --frm=a b c\n', 'Dockerfile:2: Unknown flag: frm'],
    ['FROM x\nCOPY --from a b\n', 'Dockerfile:2: Missing a value on flag: from'],
    ['FROM x\nCOPY --from=a --from=b c d\n', 'Dockerfile:2: Duplicate flag specified: from'],
    ['FROM x\nCOPY --link=maybe a b\n', 'Dockerfile:2: Expecting boolean value for flag link, not: maybe'],
    ['FROM x\nCOPY a <<EOF\nx\nEOF\n', 'Dockerfile:2: COPY cannot accept a heredoc as a destination'],
    ['FROM x\nADD --from=x a b\n', 'Dockerfile:2: Unknown flag: from'],
    ['FROM x\nENV --foo=1 a=b\n', 'Dockerfile:2: Unknown flag: foo'],
    ['FROM x\nSHELL /bin/sh -c\n', 'Dockerfile:2: SHELL requires the arguments to be in JSON form'],
    ['FROM x\nSHELL []\n', 'Dockerfile:2: SHELL requires at least one argument'],
    ['FROM x\nCMD ["a", 1]\n', 'Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only'],
    ['FROM x\nEXPOSE\n', 'Dockerfile:2: EXPOSE requires at least one argument'],
    ['FROM x\nVOLUME\n', 'Dockerfile:2: VOLUME requires at least one argument'],
    ['FROM x\nVOLUME ["/a", " "]\n', 'Dockerfile:2: VOLUME specified can not be an empty string'],
    ['FROM x\nUSER\n', 'Dockerfile:2: USER requires exactly one argument'],
    ['FROM x\nWORKDIR\n', 'Dockerfile:2: WORKDIR requires exactly one argument'],
    ['FROM x\nSTOPSIGNAL\n', 'Dockerfile:2: STOPSIGNAL requires exactly one argument'],
    ['FROM x\nMAINTAINER\n', 'Dockerfile:2: MAINTAINER requires exactly one argument'],
    ['FROM x\nHEALTHCHECK\n', 'Dockerfile:2: HEALTHCHECK requires at least one argument'],
    ['FROM x\nHEALTHCHECK NONE x\n', 'Dockerfile:2: HEALTHCHECK NONE takes no arguments'],
    ['FROM x\nHEALTHCHECK RUN x\n', 'Dockerfile:2: Unknown type "RUN" in HEALTHCHECK (try CMD)'],
    ['FROM x\nHEALTHCHECK CMD\n', 'Dockerfile:2: Missing command after HEALTHCHECK CMD'],
    ['FROM x\nHEALTHCHECK --interval=10 CMD x\n', 'Dockerfile:2: time: missing unit in duration "10"'],
    ['FROM x\nHEALTHCHECK --interval=1xs CMD x\n', 'Dockerfile:2: time: unknown unit "xs" in duration "1xs"'],
    ['FROM x\nHEALTHCHECK --timeout=10us CMD x\n', 'Dockerfile:2: Interval "timeout" cannot be less than 1ms'],
    ['FROM x\nHEALTHCHECK --retries=-1 CMD x\n', 'Dockerfile:2: --retries cannot be negative (-1)'],
    ['FROM x\nHEALTHCHECK --retries=x CMD x\n', 'Dockerfile:2: strconv.ParseInt: parsing "x": invalid syntax'],
    ['FROM x\nHEALTHCHECK --foo=1 CMD x\n', 'Dockerfile:2: Unknown flag: foo'],
    ['FROM x\nONBUILD\n', 'Dockerfile:2: ONBUILD requires at least one argument'],
    ['FROM x\nONBUILD ONBUILD RUN x\n', "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ['FROM x\nONBUILD FROM y\n', "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"],
    ['FROM x\nONBUILD maintainer y\n', "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"],
    ['FROM x\nONBUILD FOO y\n', 'Dockerfile:2: unknown instruction: FOO'],
    ['# just a comment\n\n', 'Dockerfile:2: file with no instructions'],
    ['', 'Dockerfile:1: file with no instructions'],
  ];
  for (const [text, message] of cases) {
    it(message, () => {
      fails(text, message);
    });
  }

  it('accepts what Docker accepts around those errors', () => {
    const df = parseDockerfile(
      'FROM x\nHEALTHCHECK --interval=0 --retries=0 CMD x\nHEALTHCHECK --foo=1 NONE\nSTOPSIGNAL --foo 9\nCOPY --link --from=0 -- a b\nARG a= b=\n',
    );
    assert.equal(df.stages[0].instructions.length, 5);
  });
});
