import { errors } from '@elastic/elasticsearch';
import { EventStoreError, EventStoreUnavailableError } from '../event-store.errors';

export function statusOf(e: unknown): number | undefined {
  return (
    (e as { statusCode?: number; meta?: { statusCode?: number } })?.statusCode ??
    (e as { meta?: { statusCode?: number } })?.meta?.statusCode
  );
}

function errorType(e: unknown): string | undefined {
  return (e as { meta?: { body?: { error?: { type?: string } } } })?.meta?.body?.error?.type;
}

/** True for failures worth retrying or reporting as "unavailable": network, overload, blocks (read-only indices). */
export function isTransient(e: unknown): boolean {
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return true;
  const status = statusOf(e);
  if (status === 429 || status === 502 || status === 503 || status === 504) return true;
  const type = errorType(e);
  return type === 'cluster_block_exception' || type === 'index_not_found_exception' || type === 'no_shard_available_action_exception';
}

/** Translates driver errors into the store's own: anything not ours is the store being unavailable, never a 500. */
export function translate(e: unknown, what: string): Error {
  if (e instanceof EventStoreError) return e;
  if (isTransient(e) || e instanceof errors.ElasticsearchClientError) {
    const reason = (e as Error)?.message ?? String(e);
    return new EventStoreUnavailableError(`Elasticsearch unavailable during ${what}: ${reason.slice(0, 300)}`, e);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** Reason string of a failed bulk item, for blocks and overload detection. */
export function bulkItemTransient(item: { status?: number; error?: { type?: string } } | undefined): boolean {
  if (!item) return true;
  const s = item.status ?? 0;
  return s === 429 || s >= 500 || item.error?.type === 'cluster_block_exception';
}
