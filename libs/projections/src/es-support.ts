import { errorTypeOf, isTransientElasticsearchError } from '@gyroscops/event-store/elasticsearch';

/**
 * Failures worth retrying without counting them against an event: those of any Elasticsearch request, shards a
 * write could not reach yet, and the event store reporting Elasticsearch down (its own error code).
 */
export function isTransient(e: unknown): boolean {
  return (
    isTransientElasticsearchError(e) ||
    errorTypeOf(e) === 'unavailable_shards_exception' ||
    (e as { code?: unknown } | undefined)?.code === 'EventStoreUnavailable'
  );
}

export function messageOf(e: unknown): string {
  const type = errorTypeOf(e);
  const reason = (e as { meta?: { body?: { error?: { reason?: string } } } } | undefined)?.meta?.body?.error?.reason;
  if (type) return `${type}: ${reason ?? ''}`.slice(0, 1000);
  return (e instanceof Error ? e.message : String(e)).slice(0, 1000);
}
