import { RequestContextStore } from '@gyroscops/context';
import type { StoredEvent } from '@gyroscops/event-store';
import { deterministicId, sagaRequestContext, type SagaHandlerContext } from '@gyroscops/projections';

/**
 * Runs a saga's reaction to one event outside the durable runner (tests, tools) exactly as the runner would:
 * in the event's correlation with the event as cause, source `saga`, and the same deterministic ids.
 */
export function runSagaReaction(
  saga: { name: string; handle(event: StoredEvent, context: SagaHandlerContext): Promise<void> },
  event: StoredEvent,
): Promise<void> {
  const requestContext = sagaRequestContext(saga.name, event);
  const context: SagaHandlerContext = {
    sagaName: saga.name,
    attempt: 1,
    requestContext,
    idFor: (discriminator = '') => deterministicId(`saga:${saga.name}:${discriminator}`, event.eventId),
  };
  return RequestContextStore.run(requestContext, () => saga.handle(event, context));
}
