/**
 * What the stream services (attach, logs, resize, exec) need from the rest of the engine: a
 * narrow pick of the lifecycle's {@link ContainerService}, and the event bus.
 */
import type { ContainerRecord } from '../../../core/containers/container.js';
import type { EventBus } from '../../../core/events/events.js';
import type { ContainerService } from '../lifecycle/container-service.js';

/** The lifecycle view attach, logs and resize use. */
export type StreamContainers = Pick<ContainerService, 'get' | 'find' | 'shimStateDir' | 'onExit' | 'onShimReady' | 'onRemove'>;

/** The lifecycle view exec uses. */
export type ExecContainers = StreamContainers &
  Pick<ContainerService, 'execStateDir' | 'bundleDir' | 'shimPath' | 'runtimeOf' | 'setExecIdsProvider'>;

/** Publishes a container event with Docker's attributes (its labels, image and name). */
export function publishContainerEvent(
  events: Pick<EventBus, 'publish'> | undefined,
  record: ContainerRecord,
  action: string,
  extra: Record<string, string> = {},
): void {
  if (!events) return;
  const attributes: Record<string, string> = { ...(record.config.Labels ?? {}), ...extra, image: record.image, name: record.name };
  events.publish('container', action, { ID: record.id, Attributes: attributes });
}
