import type { ContainerRecord } from '../../../core/containers/container.js';
import { canceled } from '../../../errdefs/index.js';
import type { WaitCondition, WaitResult } from './container-service.js';
import type { LifecycleContext } from './lifecycle-context.js';
import { isRunning } from './status-text.js';

/** The wait body for the container's current state (moby State.Wait's StateStatus). */
export function waitResult(rec: ContainerRecord): WaitResult {
  return { StatusCode: rec.state.exitCode, Error: rec.state.error ? { Message: rec.state.error } : null };
}

/**
 * moby State.Wait: `not-running` answers at once when the container is not running (created and
 * exited count as not running; restarting counts as running) and otherwise at its next exit, as
 * does `next-exit`; every condition also ends at removal (a container removed while created is
 * never stopped). `removed` waits only for removal. An aborted `signal` rejects with Canceled.
 */
export function waitContainer(ctx: LifecycleContext, rec: ContainerRecord, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
  if (condition === 'not-running' && !isRunning(rec.state)) return Promise.resolve(waitResult(rec));
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const finish = (fn: () => void) => {
      for (const off of offs) off();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => finish(() => reject(canceled('wait canceled')));
    if (condition !== 'removed') offs.push(ctx.listeners.onExit(rec.id, () => finish(() => resolve(waitResult(rec)))));
    // Removal clears the error (moby State.SetRemoved → SetError(nil)): `run --rm` of a missing
    // command waits with condition=removed and must get `"Error":null`.
    offs.push(ctx.listeners.onRemoved(rec.id, () => finish(() => resolve({ StatusCode: rec.state.exitCode, Error: null }))));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
  });
}
