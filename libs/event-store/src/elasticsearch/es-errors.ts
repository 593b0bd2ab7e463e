import { errors } from '@elastic/elasticsearch';
import { EventStoreError, EventStoreUnavailableError } from '../event-store.errors';

/** HTTP status of a failed Elasticsearch request (the client's `ResponseError`), if it has one. */
export function statusOf(e: unknown): number | undefined {
  const x = e as { statusCode?: number; meta?: { statusCode?: number } } | undefined;
  return x?.statusCode ?? x?.meta?.statusCode;
}

/** Elasticsearch's error type (`version_conflict_engine_exception`, …) of a failed request, if it answered one. */
export function errorTypeOf(e: unknown): string | undefined {
  return (e as { meta?: { body?: { error?: { type?: string } } } } | undefined)?.meta?.body?.error?.type;
}

/**
 * Failures of any Elasticsearch request worth retrying: the network, overload (429, 502-504), a cluster block
 * (read-only indices), shards not yet allocated, or a closed index (an operator's maintenance: it is opened again).
 * Shared by the store and the libraries that read its indices.
 */
export function isTransientElasticsearchError(e: unknown): boolean {
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return true;
  const status = statusOf(e);
  if (status === 429 || status === 502 || status === 503 || status === 504) return true;
  const type = errorTypeOf(e);
  return type === 'cluster_block_exception' || type === 'no_shard_available_action_exception' || type === 'index_closed_exception';
}

/**
 * The store's transient failures, reported as "unavailable" and retried: those of any request, and a missing index
 * of its own (set-up has not run yet, or the indices were dropped; the set-up loop puts them back).
 */
export function isTransient(e: unknown): boolean {
  return isTransientElasticsearchError(e) || errorTypeOf(e) === 'index_not_found_exception';
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

/** Whether a failed `_bulk` item is worth retrying: no answer, overload (429), a 5xx, or a write block (a backup's pause). */
export function bulkItemTransient(item: { status?: number; error?: { type?: string } } | undefined): boolean {
  if (!item) return true;
  const s = item.status ?? 0;
  return s === 429 || s >= 500 || item.error?.type === 'cluster_block_exception';
}

/**
 * A failed item of an `mget` (a missing index, a shard not available): Elasticsearch answers the `mget` 200 with the
 * failure inside the item. Raised as a failed request would be, so `isTransient` and `translate` judge it the same (a
 * missing index of the store's own is transient; anything else is Elasticsearch unavailable).
 */
export class MgetItemError extends errors.ElasticsearchClientError {
  readonly meta: { statusCode: number; body: { error: { type?: string; reason?: string | null } } };

  constructor(error: { type?: string; reason?: string | null }) {
    super(`mget item failed: ${error.type ?? 'unknown'}${error.reason ? `: ${error.reason}` : ''}`);
    this.name = 'MgetItemError';
    this.meta = { statusCode: error.type === 'index_not_found_exception' ? 404 : 503, body: { error } };
  }
}

/**
 * Elasticsearch answers an `mget` 200 with the items it could not read failed inside (a missing index, a shard not
 * available): such an item is the read failing, never "no such document".
 */
export function failOnItemErrors(docs: readonly object[]): void {
  for (const d of docs) {
    const error = (d as { error?: { type?: string; reason?: string | null } }).error;
    if (error) throw new MgetItemError(error);
  }
}
