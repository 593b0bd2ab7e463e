import type { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';
import { FLAT_IGNORE_ABOVE, type SearchFieldDeclarations } from './es-search-fields';

/**
 * Versioned index definitions. Bump MAPPING_VERSION when a mapping changes; start-up puts templates whose stored
 * version is older and adds new fields to existing indices (mappings only ever grow, so two instances starting
 * at once converge on the same result).
 */
export const MAPPING_VERSION = 2;

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

function eventsMapping(decl: SearchFieldDeclarations): estypes.MappingTypeMapping {
  const num: Record<string, estypes.MappingProperty> = {};
  for (const d of decl.numeric ?? []) num[d.name] = { type: d.type };
  const kwFields: Record<string, estypes.MappingProperty> = {};
  for (const d of decl.keyword ?? []) kwFields[d.name] = kw;
  return {
    // Only our fixed fields are indexed; payloads live in disabled objects (stored, never parsed) and in
    // `flattened` fields (keyword leaves under one mapping entry), so no payload can add or conflict a field.
    dynamic: 'strict',
    // Derived search fields are indexed but not stored: _source keeps the envelope once, not three times.
    _source: { excludes: ['dataFlat', 'metaFlat', 'text', 'num', 'kw'] },
    properties: {
      eventId: kw,
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
      dataFlat: { type: 'flattened', ignore_above: FLAT_IGNORE_ABOVE, depth_limit: 1000 },
      metaFlat: { type: 'flattened', ignore_above: FLAT_IGNORE_ABOVE, depth_limit: 1000 },
      text: { type: 'text' },
      num: { type: 'object', dynamic: false, properties: num },
      kw: { type: 'object', dynamic: false, properties: kwFields },
    },
  };
}

export function definitions(names: IndexNames, decl: SearchFieldDeclarations): Record<keyof IndexNames, estypes.MappingTypeMapping> {
  return {
    events: eventsMapping(decl),
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
      properties: { kind: kw, aggregateId: kw, firstPosition: { type: 'long' }, lastPosition: { type: 'long' }, events: off },
    },
    eventIds: { dynamic: false, properties: { aggregateId: kw, version: { type: 'long' } } },
    snapshots: {
      dynamic: false,
      properties: { aggregateId: kw, aggregateType: kw, organizationId: kw, version: { type: 'long' }, state: off },
    },
    meta: { dynamic: false, properties: {} },
  };
}

function isAlreadyExists(e: unknown): boolean {
  const body = (e as { meta?: { body?: { error?: { type?: string } } } })?.meta?.body;
  return body?.error?.type === 'resource_already_exists_exception';
}

/** Creates or upgrades templates, indices and the position counter. Idempotent; safe when run concurrently. */
export async function ensureIndices(
  client: Client,
  prefix: string,
  decl: SearchFieldDeclarations,
  replicas: number,
  refreshInterval = '1s',
): Promise<void> {
  const names = indexNames(prefix);
  const defs = definitions(names, decl);
  const settings: estypes.IndicesIndexSettings = {
    number_of_shards: 1,
    number_of_replicas: replicas,
    refresh_interval: refreshInterval,
    'mapping.total_fields.limit': 1000,
  };
  for (const key of Object.keys(names) as (keyof IndexNames)[]) {
    const index = names[key];
    const templateName = `${index}-template`;
    const existing = await client.indices
      .getIndexTemplate({ name: templateName })
      .then((r) => r.index_templates[0]?.index_template._meta?.version as number | undefined)
      .catch(() => undefined);
    if (existing === undefined || existing < MAPPING_VERSION) {
      await client.indices.putIndexTemplate({
        name: templateName,
        index_patterns: [index],
        priority: 500,
        _meta: { version: MAPPING_VERSION, managedBy: 'gyroscops-event-store' },
        template: { settings, mappings: defs[key] },
      });
    }
    try {
      await client.indices.create({ index, settings, mappings: defs[key] });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Existing index from an older version: add new fields (additive; a no-op when equal).
      await client.indices.putMapping({ index, ...defs[key] });
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
  await client.indices.delete({ index: Object.values(names), ignore_unavailable: true });
  for (const index of Object.values(names)) {
    await client.indices.deleteIndexTemplate({ name: `${index}-template` }).catch(() => undefined);
  }
}
