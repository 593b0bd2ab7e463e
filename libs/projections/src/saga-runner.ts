import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import type { StoredEvent } from '@gyroscops/event-store';
import {
  initialState,
  MAX_PARKED_KEPT,
  parkedRoom,
  withParkedEvents,
  type ConsumerStateDoc,
  type FailureRecord,
  type ParkedEvent,
} from './consumer-state';
import { ConsumerRunner } from './consumer-runner';
import { uuidFromEvent } from './uuid-from-event';
import { isTransient, messageOf } from './es-support';
import type { SagaDefinition, SagaHandlerContext } from './projection.definition';
import type { RunnerEnv } from './runner-env';
import { backoffMs } from './timings';

/** The context a saga's reaction runs in: the triggering event's correlation, the event as its cause. */
export function sagaRequestContext(sagaName: string, event: StoredEvent): RequestContext {
  return {
    correlationId: event.correlationId,
    causationId: event.eventId,
    userId: `saga:${sagaName}`,
    organizationId: event.metadata.organizationId,
    roles: ['writer'],
    source: 'saga',
  };
}

/** The handler context of one try at reacting to `event`: the same ids on every try. */
export function sagaHandlerContext(sagaName: string, event: StoredEvent, attempt = 1): SagaHandlerContext {
  return {
    sagaName,
    attempt,
    requestContext: sagaRequestContext(sagaName, event),
    idFor: (discriminator = '') => uuidFromEvent(`saga:${sagaName}:${discriminator}`, event.eventId),
  };
}

/**
 * Runs a saga's reaction to one event outside the durable runner (tests, tools) exactly as the runner does:
 * in the event's correlation with the event as cause, source `saga`, and the same deterministic ids.
 */
export function runSagaReaction(saga: Pick<SagaDefinition, 'name' | 'handle'>, event: StoredEvent): Promise<void> {
  const context = sagaHandlerContext(saga.name, event);
  return RequestContextStore.run(context.requestContext, () => saga.handle(event, context));
}

/**
 * Runs one saga: handlers one event at a time, in log order. A handler that keeps failing is parked
 * (recorded in the state document with its error) and the saga moves on; failures of Elasticsearch
 * itself are retried without counting, so an outage parks nothing. While the parked list is full
 * (MAX_PARKED_KEPT) nothing more is parked: the saga stops on the failing event (its `failure`, so the status
 * shows it as failed at that position) and tries it again every `retryMaxMs` until it is handled or an operator's
 * replay or skip makes room to park it. An event is never dropped.
 */
export class SagaRunner extends ConsumerRunner {
  private readonly types: ReadonlySet<string>;

  constructor(
    env: RunnerEnv,
    readonly def: SagaDefinition,
  ) {
    super(env, 'saga', def.name);
    this.types = new Set(def.eventTypes);
  }

  protected async initialState(): Promise<ConsumerStateDoc> {
    const start = this.def.startFrom === 'now' ? await this.env.store.headPosition() : 0;
    return initialState('saga', this.def.name, 1, start);
  }

  protected mayTake(): boolean {
    return true;
  }

  cursor(): number | null {
    return this.lease.isHeld() ? this.lease.doc.checkpoint : null;
  }

  protected async step(): Promise<boolean> {
    const { timings, logger } = this.env;
    const doc = this.lease.doc;
    if (doc.parkedReplays.length > 0) return this.replayParked(doc);
    // An event that could not be parked (the list was full), just after the checkpoint.
    const waiting = doc.failure;
    if (waiting && parkedRoom(doc) === 0) {
      // Until its next try, unless room is made first (a replay or skip here pokes the runner; one made by another
      // instance is seen at the next write of the lease, within renewIntervalMs).
      const left = Date.parse(waiting.at) + timings.retryMaxMs - Date.now();
      if (left > 0) {
        await this.pause(Math.min(left, timings.renewIntervalMs), true);
        return true;
      }
    }
    const slice = await this.env.store.readAll({ after: doc.checkpoint, maxCount: timings.sagaBatchSize });
    if (slice.checkpoint <= doc.checkpoint) return false;
    const parked: ParkedEvent[] = [];
    let blocked: FailureRecord | null = null;
    let checkpoint = slice.checkpoint;
    for (const event of slice.events) {
      if (!this.types.has(event.eventType)) continue;
      if (this.stopping) {
        // Record what was handled so far; the rest is for the next holder.
        checkpoint = event.position - 1;
        break;
      }
      // The waiting event already failed maxAttempts times: one more try each time.
      const prior = waiting?.position === event.position ? waiting.attempts : 0;
      const p = await this.handle(event, prior);
      if (!p) continue;
      if (parked.length < parkedRoom(doc)) {
        logger.error(
          `saga ${this.name}: parked ${event.eventType} ${event.eventId} at position ${event.position} after ${p.attempts} attempts: ${p.error}`,
        );
        parked.push(p);
        continue;
      }
      // The parked list is full: parking it would drop an older one. Wait on it instead, checkpoint just before it.
      blocked = {
        message: `${p.error} (not parked: the parked list is full; retried every ${timings.retryMaxMs} ms until it is handled or room is made)`,
        position: event.position,
        attempts: p.attempts,
        at: new Date().toISOString(),
      };
      // Said as an error once; every later try that fails again as a warning.
      logger[prior === 0 ? 'error' : 'warn'](
        `saga ${this.name}: ${event.eventType} ${event.eventId} at position ${event.position} failed ${p.attempts} times and is not parked: the parked list is full (${MAX_PARKED_KEPT}); waiting on it, retried every ${timings.retryMaxMs} ms: ${p.error}`,
      );
      checkpoint = event.position - 1;
      break;
    }
    if (checkpoint <= doc.checkpoint && parked.length === 0 && !blocked) return false;
    this.meter.record(checkpoint - doc.checkpoint);
    await this.env.faults.beforeCheckpoint?.('saga', this.name, checkpoint);
    const written = await this.lease.update((d) => {
      const next = Math.max(d.checkpoint, checkpoint);
      return withParkedEvents(
        {
          ...d,
          checkpoint: next,
          // Kept while the checkpoint is still before the event waited on (a stop before reaching it).
          failure: blocked ?? (d.failure && d.failure.position > next ? d.failure : null),
          headPosition: slice.head,
          eventsPerSecond: this.meter.rate(),
        },
        parked,
      );
    });
    if (waiting && !written.failure) logger.log(`saga ${this.name}: no longer waiting on the event at position ${waiting.position}`);
    this.env.onCheckpoint('saga', this.name, written.checkpoint);
    return true;
  }

  /**
   * Runs the handlers of parked events an operator asked to replay, as for a new event: handled → no longer
   * parked; failing `maxAttempts` times again → parked again (newest last, counted once). The checkpoint does not move.
   */
  private async replayParked(doc: ConsumerStateDoc): Promise<boolean> {
    // Per requested event: null when handled, the new record when parked again; absent when no longer parked.
    const outcomes = new Map<string, ParkedEvent | null>();
    const done = new Set<string>();
    for (const eventId of doc.parkedReplays) {
      if (this.stopping) break;
      done.add(eventId);
      const parked = doc.parked.find((p) => p.eventId === eventId);
      if (!parked) continue;
      const slice = await this.env.store.readAll({ after: parked.position - 1, maxCount: 1 });
      const event = slice.events.find((e) => e.eventId === eventId);
      if (!event) {
        outcomes.set(eventId, {
          ...parked,
          error: `not found at position ${parked.position} of the log`,
          parkedAt: new Date().toISOString(),
        });
        continue;
      }
      outcomes.set(eventId, await this.handle(event));
    }
    await this.lease.update((d) => {
      const again = d.parked.flatMap((p) => {
        const outcome = outcomes.get(p.eventId);
        return outcome ? [outcome] : [];
      });
      return {
        ...d,
        parkedReplays: d.parkedReplays.filter((id) => !done.has(id)),
        parked: [...d.parked.filter((p) => !outcomes.has(p.eventId)), ...again],
      };
    });
    for (const [eventId, outcome] of outcomes) {
      if (outcome === null) this.env.logger.log(`saga ${this.name}: parked event ${eventId} replayed`);
      else this.env.logger.error(`saga ${this.name}: parked event ${eventId} failed again and is parked again: ${outcome.error}`);
    }
    return true;
  }

  /**
   * Runs the handler until it succeeds (null), or gives up after `maxAttempts` failures and returns the record to park.
   * `prior`: failures already counted (an event waiting on a full parked list), after which it gets one more try.
   */
  private async handle(event: StoredEvent, prior = 0): Promise<ParkedEvent | null> {
    const { timings, logger } = this.env;
    const limit = Math.max(timings.maxAttempts, prior + 1);
    let attempts = prior;
    let outages = 0;
    for (;;) {
      this.assertActive();
      const context = sagaHandlerContext(this.name, event, attempts + 1);
      try {
        await RequestContextStore.run(context.requestContext, () => this.def.handle(event, context));
        return null;
      } catch (e) {
        if (isTransient(e)) {
          outages++;
          logger.warn(`saga ${this.name}: ${event.eventType} at ${event.position}: ${messageOf(e)}; retrying`);
          await this.pause(backoffMs(outages, timings));
          continue;
        }
        attempts++;
        if (attempts >= limit) {
          return {
            eventId: event.eventId,
            eventType: event.eventType,
            aggregateId: event.aggregateId,
            position: event.position,
            error: messageOf(e),
            attempts,
            parkedAt: new Date().toISOString(),
          };
        }
        logger.warn(`saga ${this.name}: ${event.eventType} at ${event.position} failed (attempt ${attempts}/${limit}): ${messageOf(e)}`);
        await this.pause(backoffMs(attempts, timings));
      }
    }
  }
}
