import { backoffDelay, sleep } from './backoff';
import { EventStoreClientError } from './errors';
import type { Delivery, FetchOptions, FetchResult, AckResult, NackResult, GroupScope } from './types';

export interface ConsumeOptions<D = Record<string, unknown>> extends FetchOptions, GroupScope {
  /** Handles one delivery; resolving acknowledges it, throwing refuses it (retried later, parked after maxAttempts). */
  handler: (delivery: Delivery<D>) => void | Promise<void>;
  /** Stops the loop (a pending long poll is abandoned; its deliveries lapse and go to another consumer). */
  signal: AbortSignal;
  /** Called on failures the loop retries (the service or the network unavailable). */
  onError?: (error: unknown) => void;
}

export interface ConsumeStats {
  fetches: number;
  delivered: number;
  acked: number;
  nacked: number;
  /** Acknowledgements the service answered as no longer this consumer's (the delivery lapsed or the group moved). */
  stale: number;
}

/** The part of the client the loop uses. */
export interface GroupApi {
  fetchDeliveries(group: string, options: FetchOptions, scope: GroupScope & { signal?: AbortSignal }): Promise<FetchResult>;
  ack(group: string, deliveryIds: string[], options: GroupScope & { consumer?: string }): Promise<AckResult>;
  nack(group: string, deliveryIds: string[], options: GroupScope & { consumer?: string; reason?: string }): Promise<NackResult>;
}

const RETRY = { baseMs: 200, maxMs: 5000 };

export async function consume<D>(api: GroupApi, group: string, o: ConsumeOptions<D>): Promise<ConsumeStats> {
  const stats: ConsumeStats = { fetches: 0, delivered: 0, acked: 0, nacked: 0, stale: 0 };
  const scope: GroupScope = o.organizationId !== undefined ? { organizationId: o.organizationId } : {};
  let failures = 0;
  while (!o.signal.aborted) {
    try {
      const { deliveries } = await api.fetchDeliveries(
        group,
        { consumer: o.consumer, max: o.max, waitMs: o.waitMs },
        { ...scope, signal: o.signal },
      );
      stats.fetches++;
      stats.delivered += deliveries.length;
      failures = 0;
      const done: string[] = [];
      for (const delivery of deliveries) {
        try {
          await o.handler(delivery as Delivery<D>);
          done.push(delivery.deliveryId);
        } catch (e) {
          const reason = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
          const r = await api.nack(group, [delivery.deliveryId], { ...scope, consumer: o.consumer, reason });
          stats.nacked += r.retried.length + r.parked.length;
          stats.stale += r.stale.length;
        }
      }
      if (done.length > 0) {
        const r = await api.ack(group, done, { ...scope, consumer: o.consumer });
        stats.acked += r.acked.length;
        stats.stale += r.stale.length;
      }
    } catch (e) {
      if (o.signal.aborted) break;
      if (e instanceof EventStoreClientError && !e.retryable) throw e;
      o.onError?.(e);
      await sleep(backoffDelay(failures++, RETRY), o.signal);
    }
  }
  return stats;
}
