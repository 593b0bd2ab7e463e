import { performance } from 'node:perf_hooks';
import type { Client, estypes } from '@elastic/elasticsearch';
import { isAdmin, RequestContextStore } from '@gyroscops/context';
import type { ReadScope } from '@gyroscops/event-store';
import { errorTypeOf, statusOf } from '@gyroscops/event-store/elasticsearch';
import { InvalidReadModelQueryError } from './projection.errors';
import type { StoredReadModel } from './fold';
import { readModelAlias } from './read-model-index';

export type FilterValue = string | number | boolean;

export interface ReadModelQuery {
  /** Exact matches (term / terms) on keyword, numeric or boolean fields. */
  filter?: Record<string, FilterValue | readonly FilterValue[]>;
  /** Any further query; it is always combined with the tenant filter, never replaces it. */
  query?: estypes.QueryDslQueryContainer;
  sort?: estypes.Sort;
  /** 20 by default, at most 1000. */
  size?: number;
  /** Offset; `from + size` stays within 10,000. */
  from?: number;
}

export interface ReadModelPage<D> {
  total: number;
  items: D[];
}

export interface ReadModelReadOptions {
  /** Wait until the projection has passed this global position before reading (read-your-writes). */
  minPosition?: number;
  /** Bound of that wait; the engine's default (5 s) otherwise. */
  timeoutMs?: number;
  /** Whose documents may be read; the current request context by default. */
  scope?: ReadScope;
}

/** What ReadModels needs from the engine. */
export interface PositionWaiter {
  waitForPosition(name: string, position: number, timeoutMs?: number): Promise<void>;
}

const MAX_SIZE = 1000;
const MAX_WINDOW = 10_000;

function currentScope(): ReadScope {
  const ctx = RequestContextStore.current();
  if (!ctx) throw new Error('Reading a read model needs a request context or an explicit scope');
  return { organizationId: ctx.organizationId, isAdmin: isAdmin(ctx) };
}

function strip<D>(stored: StoredReadModel): D {
  const { _position: _p, _deleted: _d, ...doc } = stored;
  return doc as D;
}

/**
 * Reads projections' documents through their alias, filtered by the caller's organization (admins see
 * every organization, as with the event store), after waiting for `minPosition` when one is given.
 */
export class ReadModels {
  private readonly refreshes = new Map<string, { startedAt: number; done: Promise<void> }>();

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly waiter: PositionWaiter,
  ) {}

  alias(name: string): string {
    return readModelAlias(this.prefix, name);
  }

  /** Resolves once projection `name` has applied everything up to `position`; rejects with PROJECTION.STALE (504) on timeout. */
  waitForPosition(name: string, position: number, timeoutMs?: number): Promise<void> {
    return this.waiter.waitForPosition(name, position, timeoutMs);
  }

  /** One document by id (realtime: no refresh needed), or null when absent, deleted or another organization's. */
  async findById<D extends object>(name: string, id: string, options: ReadModelReadOptions = {}): Promise<D | null> {
    const scope = options.scope ?? currentScope();
    if (options.minPosition !== undefined) await this.waiter.waitForPosition(name, options.minPosition, options.timeoutMs);
    let stored: StoredReadModel | undefined;
    try {
      const r = await this.client.get<StoredReadModel>({ index: this.alias(name), id });
      stored = r._source;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
    if (!stored || stored._deleted) return null;
    if (!scope.isAdmin && stored.organizationId !== scope.organizationId) return null;
    return strip<D>(stored);
  }

  /**
   * Documents matching `query`. Search sees writes only after a refresh: with `minPosition` the index is
   * refreshed once the projection has passed it, so the answer includes the caller's own write.
   */
  async search<D extends object>(name: string, query: ReadModelQuery = {}, options: ReadModelReadOptions = {}): Promise<ReadModelPage<D>> {
    const scope = options.scope ?? currentScope();
    const alias = this.alias(name);
    if (options.minPosition !== undefined) {
      await this.waiter.waitForPosition(name, options.minPosition, options.timeoutMs);
      await this.refreshAfter(alias, performance.now());
    }
    const size = Math.min(Math.max(query.size ?? 20, 0), MAX_SIZE);
    const from = Math.max(query.from ?? 0, 0);
    if (from + size > MAX_WINDOW) throw new InvalidReadModelQueryError(`from + size must stay within ${MAX_WINDOW}`);
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (!scope.isAdmin) filter.push({ term: { organizationId: scope.organizationId } });
    for (const [field, value] of Object.entries(query.filter ?? {})) {
      filter.push(
        Array.isArray(value) ? { terms: { [field]: [...(value as FilterValue[])] } } : { term: { [field]: value as FilterValue } },
      );
    }
    if (query.query) filter.push(query.query);
    try {
      const r = await this.client.search<StoredReadModel>({
        index: alias,
        query: { bool: { filter, must_not: [{ term: { _deleted: true } }] } },
        size,
        from,
        sort: query.sort,
        track_total_hits: true,
      });
      const total = typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
      return { total, items: r.hits.hits.filter((h) => h._source).map((h) => strip<D>(h._source as StoredReadModel)) };
    } catch (e) {
      if (errorTypeOf(e) === 'index_not_found_exception') return { total: 0, items: [] };
      throw e;
    }
  }

  /** Refreshes `alias` with a refresh that started after `since`, sharing one with concurrent readers. */
  private async refreshAfter(alias: string, since: number): Promise<void> {
    for (;;) {
      const running = this.refreshes.get(alias);
      if (running && running.startedAt >= since) return running.done;
      if (running) {
        await running.done.catch(() => undefined);
        continue;
      }
      const entry = {
        startedAt: performance.now(),
        done: this.client.indices
          .refresh({ index: alias, ignore_unavailable: true, allow_no_indices: true })
          .then(() => undefined)
          .finally(() => {
            if (this.refreshes.get(alias) === entry) this.refreshes.delete(alias);
          }),
      };
      this.refreshes.set(alias, entry);
      return entry.done;
    }
  }
}
