import { errors } from '@elastic/elasticsearch';

export function statusOf(e: unknown): number | undefined {
  const x = e as { statusCode?: number; meta?: { statusCode?: number } } | undefined;
  return x?.statusCode ?? x?.meta?.statusCode;
}

export function errorTypeOf(e: unknown): string | undefined {
  return (e as { meta?: { body?: { error?: { type?: string } } } } | undefined)?.meta?.body?.error?.type;
}

/** Failures worth retrying without counting them against an event: network, overload, blocks, a closing client. */
export function isTransient(e: unknown): boolean {
  if (e instanceof errors.ConnectionError || e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return true;
  const status = statusOf(e);
  if (status === 429 || status === 502 || status === 503 || status === 504) return true;
  const type = errorTypeOf(e);
  if (type === 'cluster_block_exception' || type === 'no_shard_available_action_exception' || type === 'unavailable_shards_exception')
    return true;
  // The event store reports Elasticsearch being down as its own error.
  return (e as { code?: unknown } | undefined)?.code === 'EventStoreUnavailable';
}

export function messageOf(e: unknown): string {
  const type = errorTypeOf(e);
  const reason = (e as { meta?: { body?: { error?: { reason?: string } } } } | undefined)?.meta?.body?.error?.reason;
  if (type) return `${type}: ${reason ?? ''}`.slice(0, 1000);
  return (e instanceof Error ? e.message : String(e)).slice(0, 1000);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
