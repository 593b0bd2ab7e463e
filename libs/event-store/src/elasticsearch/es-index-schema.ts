import type { EventSearchDocument, SearchFieldDeclarations } from './es-search-fields';

type EnvelopeField = Exclude<keyof EventSearchDocument, 'eventData' | 'metadata' | 'dataFlat' | 'text' | 'num' | 'kw' | 'personal'>;

/** The top-level fields of an event's searchable document, by name (see `EventSearchDocument`). */
export const EVENT_FIELDS = {
  eventId: 'eventId',
  aggregateId: 'aggregateId',
  aggregateType: 'aggregateType',
  eventType: 'eventType',
  version: 'version',
  position: 'position',
  timestamp: 'timestamp',
  correlationId: 'correlationId',
  causationId: 'causationId',
  schemaVersion: 'schemaVersion',
  userId: 'userId',
  organizationId: 'organizationId',
  source: 'source',
  subjectHash: 'subjectHash',
} as const satisfies { [K in EnvelopeField]-?: K };

type DeclaredNames<L> = L extends readonly { readonly name: infer N extends string }[] ? N : never;

/**
 * The events index's field names for one set of search field declarations: a query built from these fails to
 * compile when it names a field the store does not index, instead of silently matching nothing.
 */
export interface EventsIndexFields<D extends SearchFieldDeclarations> {
  /** Fixed envelope fields (keyword, long or date). */
  readonly event: typeof EVENT_FIELDS;
  /** Declared numeric copies of eventData values, for sums and statistics. */
  readonly num: { readonly [N in DeclaredNames<D['numeric']>]: `num.${N}` };
  /** Declared keyword copies of eventData values, for exact keys of aggregations. */
  readonly kw: { readonly [N in DeclaredNames<D['keyword']>]: `kw.${N}` };
  /** The exact keyword leaf at a dotted path of eventData (every leaf is indexed, declared or not). */
  dataFlat<P extends string>(path: P): `dataFlat.${P}`;
}

/** The field map of the events index that `toSearchDocument(event, declarations)` fills. */
export function eventsIndexFields<const D extends SearchFieldDeclarations>(declarations: D): EventsIndexFields<D> {
  const prefixed = <P extends string>(prefix: P, list: readonly { name: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((d) => [d.name, `${prefix}.${d.name}`]));
  return {
    event: EVENT_FIELDS,
    num: prefixed('num', declarations.numeric) as EventsIndexFields<D>['num'],
    kw: prefixed('kw', declarations.keyword) as EventsIndexFields<D>['kw'],
    dataFlat: <P extends string>(path: P) => `dataFlat.${path}` as const,
  };
}
