/**
 * The typed AST of a Dockerfile, as produced by `parseDockerfile` (parse-dockerfile.ts).
 *
 * Invariants:
 * - Every string that Docker later runs through variable substitution is kept RAW here (quotes,
 *   `$VAR`, escapes untouched). The evaluator expands it with `expand()` / `expandWords()` from
 *   shell-lex.ts, and only for the instructions listed in `EXPANDED_INSTRUCTIONS`. Expanding also
 *   removes quotes, so even a value without variables must go through `expand()`.
 * - Line numbers are 1-based and inclusive; `endLine` covers continuation lines and heredoc bodies.
 * - `original` is Docker's `node.Original`: the logical line after joining continuations (escape +
 *   newline removed, comment-only continuation lines dropped), heredoc bodies not included.
 */

/** A parser directive value: the escape character and the `# syntax=` frontend (accepted, ignored). */
export interface Directives {
  /** `\` (default) or a backtick. */
  escape: '\\' | '`';
  /** The `# syntax=` value if given; the builder does not act on it. */
  syntax?: string;
  /** `# check=` value if given (BuildKit lint config); kept for the linter. */
  check?: string;
}

/** A non-fatal finding the parser reports (Docker prints these as warnings). */
export interface ParseWarning {
  /** Short text, e.g. `Empty continuation line found in: RUN echo a`. */
  message: string;
  /** 1-based line. */
  line: number;
}

/** One `--name=value` / `--name` flag as written (value unexpanded). `value` is undefined for a bare `--name`. */
export interface Flag {
  name: string;
  value?: string;
}

/** A heredoc attached to RUN / COPY / ADD. */
export interface Heredoc {
  /** The delimiter word with quotes removed (`EOF` for `<<"EOF"`); for COPY/ADD it is the file name. */
  name: string;
  /** The body exactly as written, each line ending in `\n`, terminator excluded, tabs NOT stripped. */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`, `<<"EOF"`): no variable expansion in the body. */
  expand: boolean;
  /** True for `<<-EOF`: leading tabs are stripped from each body line (see `chompHeredocContent`). */
  chomp: boolean;
  /** File descriptor prefix (`3<<EOF`) if given; RUN only. */
  fd?: number;
}

/** Exec (JSON array) or shell form of RUN / CMD / ENTRYPOINT / HEALTHCHECK CMD. */
export type CommandForm =
  | { form: 'exec'; args: string[] }
  /** `command` is the rest of the logical line, unexpanded; the evaluator prepends SHELL. */
  | { form: 'shell'; command: string };

/** A key/value pair of ENV / LABEL (raw). `legacy` is true for the `ENV key value` form (no `=`). */
export interface KeyValue {
  key: string;
  value: string;
  legacy: boolean;
}

interface Base<K extends string> {
  kind: K;
  /** The instruction keyword as written (`run`, `Run`, …); `kind` is the upper-case name. */
  keyword: string;
  /** 1-based first line (the keyword's line). */
  startLine: number;
  /** 1-based last line, including continuations and heredoc bodies. */
  endLine: number;
  /** Docker's node.Original: the joined logical line. */
  original: string;
  /** All flags as written, in order (also those turned into typed fields below). */
  flags: Flag[];
}

export interface FromInstruction extends Base<'FROM'> {
  /** The image reference or stage name, unexpanded (`${BASE}:latest`, `scratch`, `builder`). */
  image: string;
  /** `AS name`, lower-cased as Docker does; undefined when absent. */
  stageName?: string;
  /** `--platform` value, unexpanded. */
  platform?: string;
}

export interface RunInstruction extends Base<'RUN'> {
  command: CommandForm;
  heredocs: Heredoc[];
  /** Raw `--mount=` values, in order. */
  mounts: string[];
  /** Raw `--network=` value. */
  network?: string;
  /** Raw `--security=` value. */
  security?: string;
}

export interface CmdInstruction extends Base<'CMD'> {
  /** `CMD` with no arguments is `{ form: 'shell', command: '' }`. */
  command: CommandForm;
}

export interface EntrypointInstruction extends Base<'ENTRYPOINT'> {
  /** `ENTRYPOINT` with no arguments (and `ENTRYPOINT []`) is `{ form: 'exec', args: [] }`: it clears the entrypoint. */
  command: CommandForm;
}

export interface ShellInstruction extends Base<'SHELL'> {
  /** SHELL only accepts the JSON form. */
  shell: string[];
}

export interface EnvInstruction extends Base<'ENV'> {
  pairs: KeyValue[];
}

export interface LabelInstruction extends Base<'LABEL'> {
  pairs: KeyValue[];
}

/** One ARG name with its optional default (both raw). */
export interface ArgDefinition {
  name: string;
  /** Undefined for `ARG name` (no default); `''` for `ARG name=`. */
  defaultValue?: string;
}

export interface ArgInstruction extends Base<'ARG'> {
  args: ArgDefinition[];
}

/** COPY and ADD share one shape; `kind` tells them apart. */
interface CopyBase<K extends 'COPY' | 'ADD'> extends Base<K> {
  /** Source paths / URLs / globs, raw (JSON form already decoded). Heredoc sources are not here. */
  sources: string[];
  /** Inline files from `COPY <<EOF /dest`; each is a file named `heredoc.name`. */
  heredocSources: Heredoc[];
  /** Destination, raw. */
  dest: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  /** `--exclude=` patterns, raw. */
  excludes: string[];
}

export interface CopyInstruction extends CopyBase<'COPY'> {
  /** `--from=` stage name, stage index or image reference, raw. */
  from?: string;
  /** `--parents` (BuildKit-only; accepted). */
  parents: boolean;
}

export interface AddInstruction extends CopyBase<'ADD'> {
  /** `--checksum=` for URL sources, raw. */
  checksum?: string;
  /** `--keep-git-dir`. */
  keepGitDir: boolean;
}

export interface ExposeInstruction extends Base<'EXPOSE'> {
  /** Raw words (`80/tcp`, `${PORT}`, `8000-8010`), sorted bytewise as Docker does (its history shows them so); expand + split each with `expandWords`. */
  ports: string[];
}

export interface VolumeInstruction extends Base<'VOLUME'> {
  /** Raw paths (JSON form decoded, else split on whitespace — quotes do not group). Expand each with `expand` (no re-splitting, as Docker). */
  paths: string[];
  /** True when written as a JSON array. */
  json: boolean;
}

export interface UserInstruction extends Base<'USER'> {
  /** Raw `user[:group]`. */
  user: string;
}

export interface WorkdirInstruction extends Base<'WORKDIR'> {
  /** Raw path. */
  path: string;
}

export interface StopsignalInstruction extends Base<'STOPSIGNAL'> {
  /** Raw signal (`SIGTERM`, `9`, `$SIG`). */
  signal: string;
}

/** Durations are in nanoseconds (as in the image config); undefined means "not given" (inherit / default). */
export interface HealthcheckOptions {
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface HealthcheckInstruction extends Base<'HEALTHCHECK'> {
  /** `HEALTHCHECK NONE` → `{ none: true }`; else the CMD (exec → `CMD`, shell → `CMD-SHELL`). */
  check: { none: true } | { none: false; command: CommandForm; options: HealthcheckOptions };
}

export interface OnbuildInstruction extends Base<'ONBUILD'> {
  /** The trigger text as stored in the image config's OnBuild (Docker: original minus `ONBUILD `). */
  expression: string;
  /** The trigger parsed as an instruction (never ONBUILD, FROM or MAINTAINER). */
  trigger: Instruction;
}

export interface MaintainerInstruction extends Base<'MAINTAINER'> {
  /** The rest of the line, raw. */
  maintainer: string;
}

/** Every instruction that may appear inside a stage. */
export type Instruction =
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | CopyInstruction
  | AddInstruction
  | ExposeInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction;

/** Instruction kinds (upper case), FROM included. */
export type InstructionKind = Instruction['kind'] | 'FROM';

/** One build stage: a FROM and the instructions up to the next FROM. */
export interface Stage {
  /** 0-based index, the number `COPY --from=0` refers to. */
  index: number;
  /** `AS name` lower-cased; undefined when unnamed. */
  name?: string;
  /** Raw base image / stage reference (same as `from.image`). */
  baseName: string;
  /** Raw `--platform` (same as `from.platform`). */
  platform?: string;
  from: FromInstruction;
  instructions: Instruction[];
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  directives: Directives;
  /** ARG instructions before the first FROM (usable only in FROM lines unless re-declared). */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  warnings: ParseWarning[];
  /** Number of lines in the source. */
  lineCount: number;
}
