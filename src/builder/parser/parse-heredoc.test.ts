// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variable syntax in plain strings is the test data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CopyInstruction, Instruction, RunInstruction } from './ast.js';
import { chompHeredocContent } from './heredoc.js';
import { parseDockerfile } from './parse-dockerfile.js';

const parse = (...l: string[]): Instruction[] => parseDockerfile(`${l.join('\n')}\n`).stages[0].instructions;

describe('heredocs', () => {
  it('parses RUN <<EOT bash (Docker docs) with body and line range', () => {
    const [run, next] = parse('FROM x', 'RUN <<EOT bash', '  set -ex', '  apt-get update', 'EOT', 'CMD x') as [RunInstruction, Instruction];
    assert.deepEqual(run.command, { form: 'shell', command: '<<EOT bash' });
    assert.deepEqual(run.heredocs, [{ name: 'EOT', content: '  set -ex\n  apt-get update\n', expand: true, chomp: false }]);
    assert.deepEqual([run.startLine, run.endLine, next.startLine], [2, 5, 6]);
  });

  it('parses several heredocs on one line in order (Docker docs)', () => {
    const [run] = parse('FROM x', 'RUN <<FILE1 cat > file1 && <<FILE2 cat > file2', 'I am', 'first', 'FILE1', 'I am', 'second', 'FILE2') as [RunInstruction];
    assert.deepEqual(
      run.heredocs.map((h) => [h.name, h.content]),
      [
        ['FILE1', 'I am\nfirst\n'],
        ['FILE2', 'I am\nsecond\n'],
      ],
    );
    assert.equal(run.endLine, 8);
  });

  it('disables expansion for quoted delimiters, also partly quoted', () => {
    const [a, b, c] = parse('FROM x', 'RUN <<"EOT" bash', '$X', 'EOT', "RUN <<'E'OF sh", 'y', 'EOF', 'RUN 3<<EOF cat <&3', 'z', 'EOF') as RunInstruction[];
    assert.deepEqual([a.heredocs[0].name, a.heredocs[0].expand], ['EOT', false]);
    assert.deepEqual([b.heredocs[0].name, b.heredocs[0].expand], ['EOF', false]);
    assert.deepEqual([c.heredocs[0].name, c.heredocs[0].expand, c.heredocs[0].fd], ['EOF', true, 3]);
  });

  it('strips tabs before the terminator for <<- and keeps the raw body', () => {
    const [run] = parse('FROM x', 'RUN <<-EOT sh', '\t\techo a', '\tEOT') as [RunInstruction];
    assert.deepEqual([run.heredocs[0].content, run.heredocs[0].chomp], ['\t\techo a\n', true]);
    assert.equal(chompHeredocContent(run.heredocs[0].content), 'echo a\n');
  });

  it('does not see heredocs in quotes, in JSON form, glued to a word, or in other instructions', () => {
    const out = parse('FROM x', 'RUN echo "<<EOF"', "RUN echo '<<EOF'", 'RUN ["cat", "<<EOF"]', 'RUN cat<<EOF', 'CMD cat <<EOF', 'ENV A=<<EOF');
    assert.equal(out.length, 6);
    for (const i of out) if (i.kind === 'RUN') assert.deepEqual(i.heredocs, []);
  });

  it('turns COPY <<EOF /path into a heredoc source (Docker docs)', () => {
    const [copy, copy2] = parse('FROM x', 'COPY <<-EOT /app/script.sh', '\techo hello ${FOO}', 'EOT', 'COPY <<a <<b real.txt /dst/', 'A', 'a', 'B', 'b') as CopyInstruction[];
    assert.deepEqual(copy.sources, []);
    assert.equal(copy.dest, '/app/script.sh');
    assert.deepEqual(copy.heredocSources, [{ name: 'EOT', content: '\techo hello ${FOO}\n', expand: true, chomp: true }]);
    assert.deepEqual(copy2.sources, ['real.txt']);
    assert.deepEqual(
      copy2.heredocSources.map((h) => [h.name, h.content]),
      [
        ['a', 'A\n'],
        ['b', 'B\n'],
      ],
    );
  });

  it('reads heredocs of an ONBUILD trigger and appends them to the expression', () => {
    const [o] = parse('FROM x', 'ONBUILD RUN <<EOF', 'echo hi', 'EOF', 'CMD y');
    assert.equal(o.kind, 'ONBUILD');
    if (o.kind !== 'ONBUILD') return;
    assert.equal(o.expression, 'RUN <<EOF\necho hi\nEOF');
    assert.equal(o.trigger.kind === 'RUN' && o.trigger.heredocs[0].content, 'echo hi\n');
    assert.equal(o.endLine, 4);
  });

  it('keeps a heredoc body that looks like instructions or comments', () => {
    const [run, cmd] = parse('FROM x', 'RUN <<EOF', '# not a comment', 'FROM y \\', 'EOF', 'CMD z');
    assert.equal(run.kind === 'RUN' && run.heredocs[0].content, '# not a comment\nFROM y \\\n');
    assert.equal(cmd.kind, 'CMD');
  });

  it('fails on an unterminated heredoc naming the line', () => {
    assert.throws(
      () => parseDockerfile('FROM x\nRUN <<EOF\necho\n'),
      (e: unknown) => e instanceof Error && e.message === 'Dockerfile:2: unterminated heredoc' && (e as { endLine?: number }).endLine === 3,
    );
  });
});
