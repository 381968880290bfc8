/**
 * Rewrites Go-style boolean flags (`--all=false`, `-q=true`, `--human=0`) into what commander
 * understands (`--all`, `--no-human`, or nothing): pflag accepts these forms and scripts use
 * them. The rewrite follows the command tree so each flag is looked up on the right command.
 */
import type { Command, Option } from 'commander';

const TRUE = new Set(['1', 't', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'false', 'FALSE', 'False']);

function findOption(cmd: Command, flag: string): Option | undefined {
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(o: Option | undefined): boolean {
  return Boolean(o && (o.required || o.optional));
}

export function normalizeArgv(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const opt = findOption(cmd, flag);
      if (eq > 0 && opt && !takesValue(opt) && !opt.negate) {
        const v = a.slice(eq + 1);
        const name = opt.long ?? opt.short ?? flag;
        if (TRUE.has(v)) out.push(name);
        else if (FALSE.has(v)) {
          // Off: the negated flag when the default is on, else nothing at all.
          const neg = opt.long ? findOption(cmd, opt.long.replace(/^--/, '--no-')) : undefined;
          if (neg) out.push(neg.long as string);
        } else out.push(a);
        continue;
      }
      out.push(a);
      if (eq < 0 && takesValue(opt) && opt?.required && i + 1 < argv.length) out.push(argv[++i]);
      continue;
    }
    out.push(a);
    // A subcommand name descends; operands of a leaf command leave `cmd` as is, so flags
    // interspersed with operands (which docker allows) are still looked up on it.
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (sub) cmd = sub;
  }
  return out;
}
