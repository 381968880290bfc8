/**
 * Kill and rename as dockerd's routes word them: the checks it makes first, and the prefix it
 * puts before what fails after (so `docker` prints the same errors against wharfd).
 */
import type { ContainerRecord } from '../../../core/containers/container.js';
import { invalidArgument, toWharfError, WharfError } from '../../../errdefs/index.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { parseSignal } from './signals.js';
import { killContainer } from './stop-container.js';

const prefixed = (prefix: string, err: unknown) => {
  const e = toWharfError(err);
  return new WharfError(e.kind, `${prefix}${e.message}`, { cause: err });
};

/**
 * `POST /containers/{id}/kill`: the signal is checked before the container is looked up, and a
 * failure after that reads `Cannot kill container: <name as given>: …`.
 */
export async function killAsDockerd(ctx: LifecycleContext, idOrName: string, lookup: () => ContainerRecord, signal?: string): Promise<void> {
  if (signal) parseSignal(signal);
  try {
    await killContainer(ctx, lookup(), signal);
  } catch (err) {
    throw prefixed(`Cannot kill container: ${idOrName}: `, err);
  }
}

/**
 * The record's rename (caller holds the lock): the same name refused first, then dockerd's
 * reserveName — the name checked with its slash — wrapped as `Error when allocating new name: …`.
 */
export async function renameRecord(ctx: LifecycleContext, rec: ContainerRecord, newName: string): Promise<void> {
  const wanted = newName.startsWith('/') ? newName : `/${newName}`;
  if (wanted === `/${rec.name}`) throw invalidArgument('Renaming a container with the same name as its current name');
  try {
    await ctx.store.rename(rec.id, wanted);
  } catch (err) {
    const kind = toWharfError(err).kind;
    throw kind === 'InvalidArgument' || kind === 'Conflict' ? prefixed('Error when allocating new name: ', err) : err;
  }
}
