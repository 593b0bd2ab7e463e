import { EventNotFoundError, StreamNotFoundError } from '../event-store.errors';
import type { EventPage, EventQuery, ReadScope, StoredEvent } from '../event-store.port';
import { telemetryExpired } from '../telemetry-retention';
import { canRead, nowOf, type EsContext } from './es-context';
import { statusOf, translate } from './es-errors';
import { searchRouting } from './es-events-layout';
import { decodeCursor, encodeCursor } from '../cursor';
import { buildSearchRequest, telemetryHidden, tenantFilter } from './es-query';
import { eventDocumentId, fromSearchDocument } from './es-search-fields';
import type { StreamReader } from './es-stream-reader';

/** Events by id (realtime through the event-id index, else by search), by query (near-real-time) and by correlation. */
export class EventLookup {
  constructor(
    private readonly ctx: EsContext,
    private readonly reader: StreamReader,
  ) {}

  async getEvent(eventId: string, scope: ReadScope): Promise<StoredEvent> {
    try {
      const id = eventId.toLowerCase();
      const loc = (await this.reader.locateEventIds([id])).get(id);
      if (!loc) {
        // Server-generated ids are not in the realtime id index: find them by search (visible after a refresh).
        const page = await this.ctx.client.search<Record<string, unknown>>({
          index: this.ctx.names.events,
          ...searchRouting(this.ctx.eventsLayout, scope),
          size: 1,
          query: { bool: { filter: [{ term: { eventId: id } }, ...tenantFilter(scope)] } },
        });
        const hit = page.hits.hits[0]?._source;
        if (!hit || this.expired(fromSearchDocument(hit))) throw new EventNotFoundError(eventId);
        return this.ctx.upcasters.apply(fromSearchDocument(hit));
      }
      // Routed by organization, a document is got from the caller's organization's shard (another organization's
      // event is not found there, as it is not readable); an admin, who has no organization to route by, reads the
      // stream instead (its head knows the organization).
      const routing = searchRouting(this.ctx.eventsLayout, scope);
      const unroutable = this.ctx.eventsLayout.routing === 'organization' && routing.routing === undefined;
      const r = unroutable
        ? null
        : await this.ctx.client
            .get<Record<string, unknown>>({ index: this.ctx.names.events, id: eventDocumentId(loc.aggregateId, loc.version), ...routing })
            .catch((e: unknown) => {
              if (statusOf(e) === 404) return null;
              throw e;
            });
      let e = r?._source ? fromSearchDocument(r._source) : null;
      if (e?.eventId !== id) {
        // A reservation whose append is committed but not yet derived (the stream read serves it from its commit),
        // or one that never committed (then that version holds another event, or none).
        const slice = await this.reader.read(loc.aggregateId, { fromVersion: loc.version, maxCount: 1 }).catch((x: unknown) => {
          if (x instanceof StreamNotFoundError) return null;
          throw x;
        });
        e = slice?.events[0]?.eventId === id ? slice.events[0] : null;
      }
      if (!e || !canRead(scope, e.metadata.organizationId) || this.expired(e)) throw new EventNotFoundError(eventId);
      return this.ctx.upcasters.apply(e);
    } catch (e) {
      throw translate(e, 'getEvent');
    }
  }

  private expired(e: StoredEvent): boolean {
    return telemetryExpired(this.ctx.telemetry, e, nowOf(this.ctx));
  }

  async search(query: EventQuery, scope: ReadScope): Promise<EventPage> {
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const req = {
      ...buildSearchRequest(this.ctx.names.events, query, scope, cursor, telemetryHidden(this.ctx.telemetry, nowOf(this.ctx))),
      ...searchRouting(this.ctx.eventsLayout, scope, query.organizationId),
    };
    try {
      const r = await this.ctx.client.search<Record<string, unknown>>(req);
      const hits = r.hits.hits;
      const size = req.size as number;
      const total = typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
      const last = hits[hits.length - 1];
      return {
        total,
        events: hits.map((h) => this.ctx.upcasters.apply(fromSearchDocument(h._source as Record<string, unknown>))),
        nextCursor: hits.length === size && last?.sort ? encodeCursor(last.sort) : null,
      };
    } catch (e) {
      throw translate(e, 'search');
    }
  }

  async readCorrelation(correlationId: string, scope: ReadScope): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.search({ correlationId, sort: 'asc', size: 1000, cursor }, scope);
      out.push(...page.events);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.length < 100_000);
    return out;
  }
}
