import type { Client } from '@elastic/elasticsearch';
import type { ReadScope } from '../event-store.port';

/**
 * How the events index (the searchable per-event documents) is laid out: its primary shards and how documents are
 * routed to them. Only the search side scales so; stream reads, the log, heads, event ids and idempotency use the
 * other indices, which stay single-shard. Fixed when the index is created (README "Scaling").
 */
export type EventsRouting = 'none' | 'organization';

export interface EventsIndexLayout {
  /** Primary shards of the events index (1 by default). */
  shards: number;
  /**
   * `none` (default): documents spread over the shards by id, every search reads every shard. `organization`: each
   * document goes to the shard of its stream's organization, so a search scoped to one organization reads one shard.
   */
  routing: EventsRouting;
}

export const DEFAULT_EVENTS_LAYOUT: EventsIndexLayout = Object.freeze({ shards: 1, routing: 'none' });

/** Elasticsearch's own ceiling on primary shards per index. */
export const MAX_EVENTS_SHARDS = 1024;

export const EVENTS_ROUTINGS: readonly EventsRouting[] = ['none', 'organization'];

/** The layout with its defaults; throws on values the index cannot be created with. */
export function eventsLayoutOf(given: Partial<EventsIndexLayout> = {}): EventsIndexLayout {
  const layout = { ...DEFAULT_EVENTS_LAYOUT, ...given };
  if (!Number.isInteger(layout.shards) || layout.shards < 1 || layout.shards > MAX_EVENTS_SHARDS) {
    throw new Error(`eventsIndex.shards must be an integer from 1 to ${MAX_EVENTS_SHARDS}, not ${String(layout.shards)}`);
  }
  if (!EVENTS_ROUTINGS.includes(layout.routing)) {
    throw new Error(`eventsIndex.routing must be one of ${EVENTS_ROUTINGS.join(', ')}, not ${String(layout.routing)}`);
  }
  return { shards: layout.shards, routing: layout.routing };
}

/**
 * The routing of the event documents of a stream owned by `organizationId` (every event of a stream carries its
 * owner's organization): to spread into each get, mget, index and delete of such a document.
 */
export function documentRouting(layout: EventsIndexLayout, organizationId: string): { routing?: string } {
  return layout.routing === 'organization' ? { routing: organizationId } : {};
}

/**
 * The routing of a search of the events index: the one shard of the caller's organization for a non-admin (whose
 * searches are filtered to it anyway), or of the organization an admin filters on; none (every shard) otherwise.
 */
export function searchRouting(layout: EventsIndexLayout, scope: ReadScope, organizationId?: string): { routing?: string } {
  if (layout.routing !== 'organization') return {};
  if (!scope.isAdmin) return { routing: scope.organizationId };
  return organizationId ? { routing: organizationId } : {};
}

/** An existing events index laid out otherwise than configured: it cannot change in place. */
export class EventsIndexLayoutError extends Error {
  constructor(index: string, have: EventsIndexLayout, want: EventsIndexLayout) {
    super(
      `the events index ${index} has ${have.shards} primary shard(s) and routing "${have.routing}" but the store is configured ` +
        `with ${want.shards} and "${want.routing}", which cannot change in place: reindex into a new index prefix ` +
        `(README "Scaling") or configure the index's current layout.`,
    );
    this.name = 'EventsIndexLayoutError';
  }
}

/** The layout an existing events index was created with (an index from before layouts were recorded: routing none). */
export async function existingEventsLayout(client: Client, index: string): Promise<EventsIndexLayout> {
  const r = await client.indices.get({ index, features: ['settings', 'mappings'] });
  const found = r[index];
  const shards = Number(found?.settings?.index?.number_of_shards ?? found?.settings?.number_of_shards ?? 1);
  const recorded = found?.mappings?._meta?.routing as unknown;
  const routing: EventsRouting = recorded === 'organization' || found?.mappings?._routing?.required ? 'organization' : 'none';
  return { shards, routing };
}

/** Throws `EventsIndexLayoutError` when the existing events index is laid out otherwise than `want`. */
export async function assertEventsLayout(client: Client, index: string, want: EventsIndexLayout): Promise<void> {
  const have = await existingEventsLayout(client, index);
  if (have.shards !== want.shards || have.routing !== want.routing) throw new EventsIndexLayoutError(index, have, want);
}
