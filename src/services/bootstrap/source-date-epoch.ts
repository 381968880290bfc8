import { invalidArgument } from '../../errdefs/index.js';

/**
 * The reproducible-builds timestamp (https://reproducible-builds.org/specs/source-date-epoch/):
 * SOURCE_DATE_EPOCH as whole seconds since 1970, or undefined when unset or empty.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw invalidArgument(`SOURCE_DATE_EPOCH must be a whole number of seconds, got "${raw}"`);
  return new Date(Number(raw) * 1000);
}
