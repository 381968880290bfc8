/**
 * Second pass of the parser: one logical line → one typed instruction, with Docker's argument
 * rules and error messages (buildkit frontend/dockerfile/instructions/parse.go).
 */
import type {
  ArgInstruction,
  EnvInstruction,
  ExposeInstruction,
  FromInstruction,
  Instruction,
  KeyValue,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from './ast.js';
import { fail } from './errors.js';
import { baseOf, flagsOf, type InstructionInput } from './instruction-input.js';
import type { LogicalLine } from './logical-lines.js';
import { parseCommandInstruction } from './parse-command.js';
import { parseCopyInstruction } from './parse-copy.js';
import { parseMaybeJSONToList, parseStringsWhitespaceDelimited, parseWords, splitCommand, splitWhitespace } from './words.js';

/** Parses one logical line. Throws InstructionError (located by the caller). */
export function parseInstruction(line: LogicalLine, escapeToken: string): Instruction | FromInstruction {
  const cmd = splitCommand(line.text);
  return parseInput({ kind: cmd.keyword.toUpperCase(), keyword: cmd.keyword, flagWords: cmd.flags, args: cmd.args, line, escape: escapeToken });
}

function parseInput(input: InstructionInput): Instruction | FromInstruction {
  switch (input.kind) {
    case 'FROM':
      return parseFrom(input);
    case 'ENV':
    case 'LABEL':
      return parseKeyValues(input);
    case 'ARG':
      return parseArg(input);
    case 'COPY':
    case 'ADD':
      return parseCopyInstruction(input);
    case 'RUN':
    case 'CMD':
    case 'ENTRYPOINT':
    case 'SHELL':
    case 'HEALTHCHECK':
      return parseCommandInstruction(input);
    case 'EXPOSE':
      return parseExpose(input);
    case 'VOLUME':
      return parseVolume(input);
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      return parseSingle(input);
    case 'ONBUILD':
      return parseOnbuild(input);
    default:
      return fail(`unknown instruction: ${input.kind}`);
  }
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

function parseFrom(input: InstructionInput): FromInstruction {
  const args = parseStringsWhitespaceDelimited(input.args);
  let stageName: string | undefined;
  if (args.length === 3 && args[1].toLowerCase() === 'as') {
    stageName = args[2].toLowerCase();
    if (!STAGE_NAME.test(stageName)) fail(`invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`);
  } else if (args.length !== 1) {
    fail('FROM requires either one or three arguments');
  }
  const flags = flagsOf(input, { platform: 'string' });
  const from: FromInstruction = { kind: 'FROM', ...baseOf(input), image: args[0] };
  if (stageName !== undefined) from.stageName = stageName;
  const platform = flags.strings.get('platform');
  if (platform) from.platform = platform;
  return from;
}

/** Docker's parseNameVal: `KEY name=value …` or the legacy `KEY name value with spaces`. */
function parseNameVal(rest: string, kind: string, escapeToken: string): KeyValue[] {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return [];
  if (!words[0].includes('=')) {
    const parts = splitWhitespace(rest, 2);
    if (parts.length < 2) fail(`${kind} must have two arguments`);
    return [{ key: parts[0], value: parts[1], legacy: true }];
  }
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) fail(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1), legacy: false };
  });
}

function parseKeyValues(input: InstructionInput): EnvInstruction | LabelInstruction {
  const kind = input.kind as 'ENV' | 'LABEL';
  const pairs = parseNameVal(input.args, kind, input.escape);
  flagsOf(input);
  if (pairs.length === 0) fail(`${kind} requires at least one argument`);
  if (pairs.some((p) => p.key === '')) fail(`${kind} names can not be blank`);
  return { kind, ...baseOf(input), pairs };
}

function parseArg(input: InstructionInput): ArgInstruction {
  const words = parseWords(input.args, input.escape);
  if (words.length === 0) fail('ARG requires at least one argument');
  flagsOf(input);
  const args = words.map((word) => {
    const eq = word.indexOf('=');
    if (eq < 0) return { name: word };
    if (eq === 0) fail('ARG names can not be blank');
    return { name: word.slice(0, eq), defaultValue: word.slice(eq + 1) };
  });
  return { kind: 'ARG', ...baseOf(input), args };
}

function parseExpose(input: InstructionInput): ExposeInstruction {
  const ports = parseStringsWhitespaceDelimited(input.args);
  if (ports.length === 0) fail('EXPOSE requires at least one argument');
  flagsOf(input);
  // Docker sorts the words (sort.Strings, byte order); it shows in the history's created_by.
  ports.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { kind: 'EXPOSE', ...baseOf(input), ports };
}

function parseVolume(input: InstructionInput): VolumeInstruction {
  const { words, json } = parseMaybeJSONToList(input.args);
  if (words.length === 0) fail('VOLUME requires at least one argument');
  flagsOf(input);
  const paths = words.map((w) => {
    const v = w.trim();
    if (v === '') fail('VOLUME specified can not be an empty string');
    return v;
  });
  return { kind: 'VOLUME', ...baseOf(input), paths, json };
}

type Single = UserInstruction | WorkdirInstruction | StopsignalInstruction | MaintainerInstruction;

function parseSingle(input: InstructionInput): Single {
  // parseString: the whole rest is one argument (spaces included).
  if (input.args === '') fail(`${input.kind} requires exactly one argument`);
  const base = baseOf(input);
  const value = input.args;
  switch (input.kind) {
    case 'USER':
      flagsOf(input);
      return { kind: 'USER', ...base, user: value };
    case 'WORKDIR':
      flagsOf(input);
      return { kind: 'WORKDIR', ...base, path: value };
    case 'STOPSIGNAL':
      // Docker does not check STOPSIGNAL's flags.
      return { kind: 'STOPSIGNAL', ...base, signal: value };
    default:
      flagsOf(input);
      return { kind: 'MAINTAINER', ...base, maintainer: value };
  }
}

function parseOnbuild(input: InstructionInput): OnbuildInstruction {
  if (input.args === '') fail('ONBUILD requires at least one argument');
  flagsOf(input);
  const sub = splitCommand(input.args);
  const triggerKind = sub.keyword.toUpperCase();
  if (triggerKind === 'ONBUILD') fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (triggerKind === 'MAINTAINER' || triggerKind === 'FROM') fail(`${triggerKind} isn't allowed as an ONBUILD trigger`);
  const trigger = parseInput({
    kind: triggerKind,
    keyword: sub.keyword,
    flagWords: sub.flags,
    args: sub.args,
    line: { ...input.line, text: input.args },
    escape: input.escape,
  }) as Instruction;
  let expression = input.line.text.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of input.line.heredocs) expression += `\n${h.content}${h.name}`;
  return { kind: 'ONBUILD', ...baseOf(input), expression, trigger };
}
