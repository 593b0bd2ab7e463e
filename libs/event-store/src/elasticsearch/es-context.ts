import type { Client, estypes } from '@elastic/elasticsearch';
import type { ReadScope } from '../event-store.port';
import type { UpcasterRegistry } from '../upcasting';
import type { IndexNames } from './es-indices';
import type { SearchFieldDeclarations } from './es-search-fields';
import type { StoreObserver } from '../store-observer';

export interface StoreLogger {
  warn(message: string): void;
  error(message: string): void;
  log?(message: string): void;
}

/** What every part of the Elasticsearch adapter shares: the client, the index names and the protocol's timings. */
export interface EsContext {
  client: Client;
  names: IndexNames;
  decl: SearchFieldDeclarations;
  upcasters: UpcasterRegistry;
  logger?: StoreLogger;
  /** How long a writer's claim on a stream (or on an event id) lasts before others may resolve it. */
  leaseMs: number;
  /** How long a global-log reader waits on an allocated, uncommitted position before fencing it off. */
  gapTimeoutMs: number;
  /** Source of event timestamps; the system clock by default. */
  clock?: () => Date;
  /** Metrics hooks; no-op unless the store was given an observer. */
  observer: StoreObserver;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function canRead(scope: ReadScope, organizationId: string): boolean {
  return scope.isAdmin || scope.organizationId === organizationId;
}

/** One `_bulk` of (action, document) pairs; the item answered for each pair, in order. */
export async function bulkPairs(
  client: Client,
  ops: estypes.BulkOperationContainer[],
  docs: unknown[],
): Promise<(estypes.BulkResponseItem | undefined)[]> {
  if (ops.length === 0) return [];
  const operations: unknown[] = [];
  ops.forEach((op, i) => operations.push(op, docs[i]));
  const r = await client.bulk({ operations });
  return r.items.map((it) => Object.values(it)[0]);
}
