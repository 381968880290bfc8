import { invalidArgument } from '../../../errdefs/index.js';

/** Linux signal numbers by name without `SIG` (moby pkg/signal SignalMap, x86/arm). */
const SIGNALS: Record<string, number> = {
  ABRT: 6,
  ALRM: 14,
  BUS: 7,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  FPE: 8,
  HUP: 1,
  ILL: 4,
  INT: 2,
  IO: 29,
  IOT: 6,
  KILL: 9,
  PIPE: 13,
  POLL: 29,
  PROF: 27,
  PWR: 30,
  QUIT: 3,
  SEGV: 11,
  STKFLT: 16,
  STOP: 19,
  SYS: 31,
  TERM: 15,
  TRAP: 5,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  USR1: 10,
  USR2: 12,
  VTALRM: 26,
  WINCH: 28,
  XCPU: 24,
  XFSZ: 25,
};
const RTMIN = 34;
const RTMAX = 64;
SIGNALS.RTMIN = RTMIN;
SIGNALS.RTMAX = RTMAX;
for (let i = 1; i <= 15; i++) {
  SIGNALS[`RTMIN+${i}`] = RTMIN + i;
  SIGNALS[`RTMAX-${i}`] = RTMAX - i;
}

/**
 * Parses a signal as Docker does (moby pkg/signal.ParseSignal): a number, or a name with or
 * without `SIG`, any case. InvalidArgument `Invalid signal: X` otherwise (and for 0).
 */
export function parseSignal(raw: string): number {
  if (/^[+-]?\d+$/.test(raw.trim())) {
    const n = Number(raw);
    if (n <= 0 || n > RTMAX) throw invalidArgument(`Invalid signal: ${raw}`);
    return n;
  }
  const n = SIGNALS[raw.toUpperCase().replace(/^SIG/, '')];
  if (n === undefined) throw invalidArgument(`Invalid signal: ${raw}`);
  return n;
}

/** SIGTERM and SIGKILL, named for readability at call sites. */
export const SIGTERM = 15;
export const SIGKILL = 9;
