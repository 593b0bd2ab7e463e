import type { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { errorTypeOf } from './es-errors';
import { assertEventsLayout, DEFAULT_EVENTS_LAYOUT, type EventsIndexLayout } from './es-events-layout';
import { DERIVED_FIELDS, FLAT_IGNORE_ABOVE, type SearchFieldDeclarations } from './es-search-fields';

/**
 * Versioned index definitions. Bump MAPPING_VERSION when a mapping changes; start-up puts templates whose stored
 * version is older and adds new fields to existing indices (mappings only ever grow, so two instances starting
 * at once converge on the same result).
 */
export const MAPPING_VERSION = 6;

export interface IndexNames {
  events: string;
  streams: string;
  log: string;
  eventIds: string;
  snapshots: string;
  meta: string;
}

export function indexNames(prefix: string): IndexNames {
  return {
    events: `${prefix}-events`,
    streams: `${prefix}-streams`,
    log: `${prefix}-log`,
    eventIds: `${prefix}-event-ids`,
    snapshots: `${prefix}-snapshots`,
    meta: `${prefix}-meta`,
  };
}

const kw: estypes.MappingProperty = { type: 'keyword' };
const off: estypes.MappingProperty = { type: 'object', enabled: false };

function eventsMapping(decl: SearchFieldDeclarations, layout: EventsIndexLayout): estypes.MappingTypeMapping {
  const num: Record<string, estypes.MappingProperty> = {};
  for (const d of decl.numeric ?? []) num[d.name] = { type: d.type };
  const kwFields: Record<string, estypes.MappingProperty> = {};
  for (const d of decl.keyword ?? []) kwFields[d.name] = kw;
  return {
    // Only our fixed fields are indexed; payloads live in disabled objects (stored, never parsed) and in
    // `flattened` fields (keyword leaves under one mapping entry), so no payload can add or conflict a field.
    dynamic: 'strict',
    // The routing mode, recorded for the start-up check (es-events-layout); routed by organization, a write or a get
    // that forgets the routing fails instead of landing on (or reading) another shard.
    _meta: { routing: layout.routing },
    ...(layout.routing === 'organization' ? { _routing: { required: true } } : {}),
    // Derived search fields are indexed but not stored: _source keeps the envelope once, not three times.
    _source: { excludes: [...DERIVED_FIELDS] },
    properties: {
      // Unique per document: doc values would cost as much as the index and nothing sorts or aggregates on it.
      eventId: { type: 'keyword', doc_values: false },
      aggregateId: kw,
      aggregateType: kw,
      eventType: kw,
      version: { type: 'long' },
      position: { type: 'long' },
      timestamp: { type: 'date' },
      correlationId: kw,
      causationId: kw,
      schemaVersion: { type: 'integer' },
      userId: kw,
      organizationId: kw,
      source: kw,
      eventData: off,
      metadata: off,
      // An event's personal section, sealed (ciphertext, never indexed), and who it belongs to, hashed (erasure finds it).
      personal: off,
      subjectHash: kw,
      // Exact filters on payload leaves only (aggregations use the declared `num.*`/`kw.*` copies): no doc values.
      dataFlat: { type: 'flattened', ignore_above: FLAT_IGNORE_ABOVE, depth_limit: 1000, doc_values: false },
      // Kept in the mapping for indices created before version 3; documents no longer fill it (nothing queried it).
      metaFlat: { type: 'flattened', ignore_above: FLAT_IGNORE_ABOVE, depth_limit: 1000 },
      // Searched with `match` (all words, filter context, never scored, no phrases): no positions, frequencies or norms.
      text: { type: 'text', index_options: 'docs', norms: false },
      num: { type: 'object', dynamic: false, properties: num },
      kw: { type: 'object', dynamic: false, properties: kwFields },
    },
  };
}

export function definitions(
  names: IndexNames,
  decl: SearchFieldDeclarations,
  layout: EventsIndexLayout = DEFAULT_EVENTS_LAYOUT,
): Record<keyof IndexNames, estypes.MappingTypeMapping> {
  return {
    events: eventsMapping(decl, layout),
    streams: {
      dynamic: false,
      properties: {
        aggregateId: kw,
        aggregateType: kw,
        organizationId: kw,
        version: { type: 'long' },
        updatedAt: { type: 'date' },
        pending: off,
        pendingSince: { type: 'long' },
      },
    },
    log: {
      dynamic: false,
      properties: { kind: kw, aggregateId: kw, firstPosition: { type: 'long' }, lastPosition: { type: 'long' }, events: off, subjects: kw },
    },
    eventIds: { dynamic: false, properties: { aggregateId: kw, version: { type: 'long' } } },
    snapshots: {
      dynamic: false,
      properties: { aggregateId: kw, aggregateType: kw, organizationId: kw, version: { type: 'long' }, state: off, subjectHashes: kw },
    },
    meta: { dynamic: false, properties: {} },
  };
}

const isAlreadyExists = (e: unknown): boolean => errorTypeOf(e) === 'resource_already_exists_exception';

type Properties = Record<string, estypes.MappingProperty>;

/** The fields of `wanted` that `current` lacks, object by object: what an older index can still take. */
export function missingProperties(current: Properties, wanted: Properties): Properties {
  const out: Properties = {};
  for (const [name, def] of Object.entries(wanted)) {
    const have = current[name] as { properties?: Properties } | undefined;
    const want = def as { properties?: Properties };
    if (!have) out[name] = def;
    else if (have.properties && want.properties) {
      const sub = missingProperties(have.properties, want.properties);
      if (Object.keys(sub).length > 0) out[name] = { ...def, properties: sub } as estypes.MappingProperty;
    }
  }
  return out;
}

/**
 * Brings an existing index's mapping up to `mapping`. A field whose parameters changed since the index was created
 * (doc values, index options) cannot be updated in place: the index keeps the parameters it was created with, which
 * still serve every query, and only the fields it lacks are added.
 */
async function growMapping(client: Client, index: string, mapping: estypes.MappingTypeMapping): Promise<void> {
  try {
    await client.indices.putMapping({ index, ...mapping });
  } catch (e) {
    if (errorTypeOf(e) !== 'illegal_argument_exception') throw e;
    const current = (await client.indices.getMapping({ index }))[index]?.mappings?.properties ?? {};
    const missing = missingProperties(current, mapping.properties ?? {});
    if (Object.keys(missing).length > 0) await client.indices.putMapping({ index, properties: missing });
  }
}

/**
 * Creates or upgrades templates, indices and the position counter. Idempotent; safe when run concurrently. Every
 * index has one primary shard but the events index, which has the layout's (and throws `EventsIndexLayoutError`
 * when it exists with another shard count or routing).
 */
export async function ensureIndices(
  client: Client,
  prefix: string,
  decl: SearchFieldDeclarations,
  replicas: number,
  refreshInterval = '1s',
  eventsLayout: EventsIndexLayout = DEFAULT_EVENTS_LAYOUT,
): Promise<void> {
  const names = indexNames(prefix);
  const defs = definitions(names, decl, eventsLayout);
  const common: estypes.IndicesIndexSettings = {
    number_of_shards: 1,
    number_of_replicas: replicas,
    'mapping.total_fields.limit': 1000,
  };
  for (const key of Object.keys(names) as (keyof IndexNames)[]) {
    const index = names[key];
    // Only the events index is read by searches that must see a write within the refresh interval. The others are
    // read by id (realtime) and searched rarely (lease sweep, lifecycle, backup; most refresh first): without a
    // refresh_interval of their own, Elasticsearch stops refreshing a shard nobody searched for 30 s and refreshes
    // it when a search comes, so they cost no scheduled refresh while appends write them.
    const settings = key === 'events' ? { ...common, refresh_interval: refreshInterval, number_of_shards: eventsLayout.shards } : common;
    const layoutMeta = key === 'events' ? { layout: `${eventsLayout.shards}/${eventsLayout.routing}` } : {};
    const templateName = `${index}-template`;
    const existing = await client.indices
      .getIndexTemplate({ name: templateName })
      .then((r) => r.index_templates[0]?.index_template._meta)
      .catch(() => undefined);
    const version = existing?.version as number | undefined;
    if (version === undefined || version < MAPPING_VERSION || existing?.layout !== layoutMeta.layout) {
      await client.indices.putIndexTemplate({
        name: templateName,
        index_patterns: [index],
        priority: 500,
        _meta: { version: MAPPING_VERSION, managedBy: 'gyroscops-event-store', ...layoutMeta },
        template: { settings, mappings: defs[key] },
      });
    }
    try {
      await client.indices.create({ index, settings, mappings: defs[key] });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Shards and routing are fixed at creation: checked before the mapping (which records the routing) is touched.
      if (key === 'events') await assertEventsLayout(client, index, eventsLayout);
      // Existing index, possibly from an older version: add new fields (additive; a no-op when equal).
      await growMapping(client, index, defs[key]);
      // Version 4 and older gave every index a refresh_interval: back to the default (search-idle) for the others.
      if (key !== 'events') await client.indices.putSettings({ index, settings: { 'index.refresh_interval': null } });
    }
  }
  await client.index({ index: names.meta, id: 'position', op_type: 'create', document: { value: 0 } }).catch((e: unknown) => {
    if ((e as { statusCode?: number }).statusCode !== 409) throw e;
  });
  await client.cluster.health({ index: Object.values(names), wait_for_status: 'yellow', timeout: '30s' });
}

/** Deletes every index of a prefix (tests and tooling only). */
export async function dropIndices(client: Client, prefix: string): Promise<void> {
  const names = indexNames(prefix);
  await client.indices.delete({ index: [...Object.values(names), `${prefix}-subject-keys`], ignore_unavailable: true });
  for (const index of Object.values(names)) {
    await client.indices.deleteIndexTemplate({ name: `${index}-template` }).catch(() => undefined);
  }
}
