import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { type EventStore, type NewEvent, type StoredEvent, type WriteContext } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { makeEsStore } from '@gyroscops/event-store/testing';
import { ProjectionEngine, type ProjectionDefinition, type ProjectionEngineOptions, type ProjectionTimings } from '@gyroscops/projections';

/** Short timings so failover and retries take a second, not ten. */
export const FAST: Partial<ProjectionTimings> = {
  leaseMs: 800,
  renewIntervalMs: 200,
  safetyMarginMs: 200,
  acquireIntervalMs: 100,
  pollIntervalMs: 50,
  retryBaseMs: 20,
  retryMaxMs: 200,
  maxAttempts: 3,
  statePollMs: 25,
  progressIntervalMs: 100,
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { testClient, testPrefix } from '@gyroscops/event-store/testing';

export async function makeStore(client: Client, prefix: string): Promise<ElasticsearchEventStore> {
  return makeEsStore(client, prefix);
}

/** Deletes every index and template of a prefix (by name: wildcard deletes are refused by default). */
export async function dropAll(client: Client, prefix: string): Promise<void> {
  const indices = Object.keys(
    await client.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all', allow_no_indices: true, ignore_unavailable: true }),
  );
  for (let i = 0; i < indices.length; i += 50) await client.indices.delete({ index: indices.slice(i, i + 50), ignore_unavailable: true });
  const templates = await client.indices
    .getIndexTemplate({ name: `${prefix}-*` })
    .catch(() => ({ index_templates: [] as { name: string }[] }));
  for (const t of templates.index_templates) await client.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
}

export function makeEngine(
  client: Client,
  store: EventStore,
  prefix: string,
  extra: Partial<ProjectionEngineOptions> = {},
): ProjectionEngine {
  return new ProjectionEngine({ client, store, indexPrefix: prefix, ...extra, timings: { ...FAST, ...extra.timings } });
}

export function writer(org = 'org-a', extra: Partial<WriteContext> = {}): WriteContext {
  return {
    correlationId: randomUUID(),
    causationId: null,
    userId: 'user-1',
    organizationId: org,
    source: 'test',
    isAdmin: false,
    ...extra,
  };
}

export const ev = (eventType: string, eventData: Record<string, unknown> = {}): NewEvent => ({ eventType, eventData });

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(25);
  }
}

/** Every document of a read model (tombstones included), by id, read through the alias after a refresh. */
export async function readModelSnapshot(client: Client, alias: string): Promise<Record<string, unknown>> {
  await client.indices.refresh({ index: alias });
  const out: Record<string, unknown> = {};
  const r = await client.search<Record<string, unknown>>({ index: alias, size: 10000, query: { match_all: {} } });
  for (const h of r.hits.hits) out[h._id as string] = h._source;
  return out;
}

/** The read model incremental processing must produce: the whole log folded in memory with the same definition. */
export async function expectedReadModel<D extends object>(
  store: EventStore,
  def: ProjectionDefinition<D>,
): Promise<Record<string, unknown>> {
  const docs = new Map<string, { doc: D | null; position: number; org: string }>();
  const types = new Set(def.eventTypes);
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    for (const e of page.events) {
      if (!types.has(e.eventType)) continue;
      const id = def.idOf(e);
      if (id === null) continue;
      const cur = docs.get(id);
      const doc = def.evolve(cur?.doc ?? null, e);
      const org =
        doc && typeof (doc as { organizationId?: unknown }).organizationId === 'string'
          ? (doc as { organizationId: string }).organizationId
          : (cur?.org ?? e.metadata.organizationId);
      docs.set(id, { doc, position: e.position, org });
    }
    after = page.checkpoint;
    if (page.checkpoint >= page.head) break;
    if (page.events.length === 0) await sleep(20);
  }
  const out: Record<string, unknown> = {};
  for (const [id, { doc, position, org }] of docs) {
    out[id] =
      doc === null ? { _position: position, _deleted: true, organizationId: org } : { ...doc, organizationId: org, _position: position };
  }
  return out;
}

// ------------------------------------------------------------------ a sample projection

export interface Account {
  accountId: string;
  owner: string;
  balance: number;
  deposits: number;
  organizationId?: string;
}

export function accountsProjection(overrides: Partial<ProjectionDefinition<Account>> = {}): ProjectionDefinition<Account> {
  return {
    name: 'accounts',
    version: 1,
    eventTypes: ['AccountOpened', 'MoneyDeposited', 'AccountClosed'],
    idOf: (e: StoredEvent) => e.aggregateId,
    evolve: (doc: Account | null, e: StoredEvent): Account | null => {
      switch (e.eventType) {
        case 'AccountOpened':
          return { accountId: e.aggregateId, owner: String(e.eventData.owner), balance: 0, deposits: 0 };
        case 'MoneyDeposited':
          if (!doc) return null;
          return { ...doc, balance: doc.balance + Number(e.eventData.amount), deposits: doc.deposits + 1 };
        case 'AccountClosed':
          return null;
        default:
          return doc;
      }
    },
    mappings: {
      properties: { accountId: { type: 'keyword' }, owner: { type: 'keyword' }, balance: { type: 'long' }, deposits: { type: 'integer' } },
    },
    ...overrides,
  };
}

/** Opens `accounts` accounts and deposits into them in rounds; returns the last position. */
export async function seedAccounts(store: EventStore, ids: string[], rounds: number, org = 'org-a'): Promise<number> {
  let position = 0;
  for (const id of ids) {
    position = (
      await store.appendToStream(id, [ev('AccountOpened', { owner: `owner-${id}` })], {
        aggregateType: 'Account',
        expectedVersion: 'any',
        context: writer(org),
      })
    ).position;
  }
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.all(
      ids.map((id) =>
        store.appendToStream(id, [ev('MoneyDeposited', { amount: r + 1 })], {
          aggregateType: 'Account',
          expectedVersion: 'any',
          context: writer(org),
        }),
      ),
    );
    position = Math.max(position, ...results.map((x) => x.position));
  }
  return position;
}
