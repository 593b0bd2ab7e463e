import type { estypes } from '@elastic/elasticsearch';
import type { JsonObject, StoredEvent } from '@gyroscops/event-store';
import type { ProjectionDefinition } from './projection.definition';

/** What every aggregate read-model document carries besides the aggregate's view. */
export interface AggregateDocumentMeta {
  organizationId: string;
  /** Stream version of the last event applied. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Global position of the aggregate's first event: a total order of creation (timestamps can tie). */
  createdPosition: number;
}

export type AggregateSummary<V> = V & AggregateDocumentMeta;

/** The stored document: the summary and the state it is folded from (stored, not indexed). */
export type AggregateDocument<S, V> = AggregateSummary<V> & { state: S };

export interface AggregateProjectionOptions<S, V extends object, E extends { type: string; data: JsonObject }> {
  name: string;
  version: number;
  aggregateType: string;
  eventTypes: readonly string[];
  /** The aggregate's own fold (its decider's `initialState` and `evolve`), so the API and a replay never disagree. */
  initialState: () => S;
  evolve: (state: S, event: E) => S;
  view: (state: S) => V;
  /** Fields of the view indexed for filters and sorting. */
  fields: Record<string, estypes.MappingProperty>;
}

/** A read model with one document per aggregate, folded with the aggregate's own `evolve`. */
export function aggregateProjection<S, V extends object, E extends { type: string; data: JsonObject }>(
  o: AggregateProjectionOptions<S, V, E>,
): ProjectionDefinition<AggregateDocument<S, V>> {
  return {
    name: o.name,
    version: o.version,
    eventTypes: o.eventTypes,
    idOf: (e: StoredEvent) => (e.aggregateType === o.aggregateType ? e.aggregateId : null),
    evolve(doc: AggregateDocument<S, V> | null, e: StoredEvent): AggregateDocument<S, V> {
      const state = o.evolve(doc?.state ?? o.initialState(), { type: e.eventType, data: e.eventData } as E);
      return {
        ...o.view(state),
        organizationId: e.metadata.organizationId,
        version: e.version,
        createdAt: doc?.createdAt ?? e.timestamp,
        createdPosition: doc?.createdPosition ?? e.position,
        updatedAt: e.timestamp,
        state,
      };
    },
    mappings: {
      dynamic: false,
      properties: {
        ...o.fields,
        version: { type: 'long' },
        createdAt: { type: 'date' },
        createdPosition: { type: 'long' },
        updatedAt: { type: 'date' },
        state: { type: 'object', enabled: false },
      },
    },
  };
}

/** The document without the folded state: what the API shows. */
export function aggregateSummary<S, V>(doc: AggregateDocument<S, V>): AggregateSummary<V> {
  const { state: _state, ...summary } = doc;
  return summary as AggregateSummary<V>;
}
