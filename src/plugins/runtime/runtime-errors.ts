import { promises as fs } from 'node:fs';
import type { RuntimeErrorDetail } from '../../core/runtime/runtime.js';
import { conflict, internal, invalidArgument, notFound, type WharfError } from '../../errdefs/index.js';

/**
 * Reads the runtime's JSON log (`--log F --log-format json`: one `{"level","msg","time"}` object
 * per line) and returns the last error message, or undefined. Non-JSON lines are kept as text,
 * because a runtime may write plain text there before it parsed its own flags.
 */
export async function lastLoggedError(logFile: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(logFile, 'utf8');
  } catch {
    return undefined;
  }
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { level?: string; msg?: string };
      if ((rec.level === 'error' || rec.level === 'fatal') && rec.msg) last = rec.msg;
    } catch {
      last = line.trim();
    }
  }
  return last;
}

/**
 * Docker's mapping of a start failure to an exit code (moby daemon/start.go): a missing program
 * is 127, a program that cannot be executed is 126. Matching is case-insensitive because crun
 * writes strerror text (`No such file or directory`) where runc writes Go's lower-case errors.
 */
export function startFailureExitCode(message: string): 126 | 127 | undefined {
  if (/executable file .*not found|no such file or directory|cannot find the file/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return undefined;
}

/**
 * runc prefixes its errors with the command (`runc run failed: …`). A container started in one
 * invocation (`runc run --detach`, see SpawnShimOptions.start) fails where Docker's `create`
 * fails, and Docker's users (and our tests) see `runc create failed: …`: reported in those words.
 */
export function inCreateWords(message: string): string {
  // crun writes strerror text (`No such file or directory`, `Permission denied`) where runc writes
  // Go's lower-case errors, and the docker CLI picks `run`'s exit status 127/126 by matching the
  // lower-case words (cli/command/container runStartContainerErr): in those words, crun's start
  // failures give the same statuses as runc's.
  return message
    .replace(/^runc run failed: /, 'runc create failed: ')
    .replace(/No such file or directory/g, 'no such file or directory')
    .replace(/Permission denied/g, 'permission denied');
}

/** Strips runc's wrapping (`runc create failed: unable to start container process: `) off a message. */
export function cleanRuntimeMessage(message: string): string {
  return message
    .replace(/^(runc|crun)( \w+)? failed: /, '')
    .replace(/^unable to start container process: /, '')
    .replace(/^(crun|runc): /, '')
    .trim();
}

/** Which operation failed, for the error message and the mapping. */
export type RuntimeOp =
  | 'create'
  | 'start'
  | 'run'
  | 'exec'
  | 'state'
  | 'kill'
  | 'delete'
  | 'pause'
  | 'resume'
  | 'list'
  | 'ps'
  | 'update'
  | 'version';

/**
 * An unknown id. runc says `container does not exist`; crun fails to open the container's state
 * (`error opening file `<root>/<id>/status``, `cannot open directory '<root>/<id>'`).
 */
function isUnknownContainer(raw: string, root: string, id: string): boolean {
  if (/container does not exist/.test(raw)) return true;
  return raw.includes(`${root}/${id}/status`) || raw.includes(`${root}/${id}'`) || raw.includes(`${root}/${id}\``);
}

/**
 * An operation the container's state forbids. crun's start of a started container fails to
 * open the exec fifo (consumed by the first start), which is a state error, not a missing file.
 */
const BAD_STATE =
  /cannot (start|delete|exec|pause|resume|kill)|not in `?\w+`? (or `?\w+`? )?state|not stopped|not running|not paused|already (running|paused|stopped)|has stopped|exec\.fifo/i;
const ALREADY = /already exists|with given id exists/i;

/** Where the failure happened: the runtime's root dir, to recognise its state paths in messages. */
export interface FailureContext {
  op: RuntimeOp;
  id: string;
  root: string;
}

/**
 * Turns a failed runtime invocation into a WharfError of the right kind. Launch failures of
 * create/start/run/exec that Docker maps to 126/127 become InvalidArgument with a
 * {@link RuntimeErrorDetail} as `cause`; other launch failures are Internal with the same cause.
 */
export function runtimeFailure(ctx: FailureContext, rawMessage: string): WharfError {
  const { op, id } = ctx;
  const message = cleanRuntimeMessage(rawMessage) || `${op} failed`;
  if (op !== 'create' && op !== 'run' && isUnknownContainer(rawMessage, ctx.root, id)) {
    return notFound(`container ${id} does not exist`);
  }
  if ((op === 'create' || op === 'run') && ALREADY.test(rawMessage)) return conflict(`container ${id} already exists`);
  if (BAD_STATE.test(rawMessage)) return conflict(`cannot ${op} container ${id}: ${message}`);
  if (op === 'create' || op === 'start' || op === 'run' || op === 'exec') {
    const detail: RuntimeErrorDetail = { runtimeMessage: message };
    const exitCode = startFailureExitCode(rawMessage);
    if (exitCode === undefined) return internal(message, { cause: detail });
    detail.exitCode = exitCode;
    return invalidArgument(message, { cause: detail });
  }
  // An update's refusal is reported in the runtime's words (containerd's wording, see update-container.ts).
  if (op === 'update') return internal(message, { cause: { runtimeMessage: message } satisfies RuntimeErrorDetail });
  return internal(`${op} ${id}: ${message}`);
}

/** The {@link RuntimeErrorDetail} of an error from a runtime, if it has one. */
export function runtimeErrorDetail(err: unknown): RuntimeErrorDetail | undefined {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause && typeof cause === 'object' && 'runtimeMessage' in cause) return cause as RuntimeErrorDetail;
  return undefined;
}
