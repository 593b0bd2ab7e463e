import { bodyError, indexNotFound, notFoundError, responseError, versionConflict } from './es-client-errors';
import type { Interleaver } from './interleaver';
import { compareSortValues, matches, sortKeys, sortValues, UnsupportedByModelError } from './model-query';

type Source = Record<string, unknown>;

interface Doc {
  source: Source;
  seqNo: number;
  version: number;
}

interface Index {
  name: string;
  docs: Map<string, Doc>;
  /** Version of deleted ids (Elasticsearch keeps it for a while: a re-created id continues the count). */
  deleted: Map<string, number>;
  seqNo: number;
  excludes: string[];
  mappings: Source;
  /** What search sees: the documents as of the last refresh. */
  searchable: Map<string, Doc>;
  refreshedAt: number;
}

export interface WriteParams {
  index: string;
  id: string;
  document?: unknown;
  body?: unknown;
  op_type?: 'create' | 'index';
  if_seq_no?: number;
  if_primary_term?: number;
  version?: number;
  version_type?: 'internal' | 'external' | 'external_gte';
}

export interface WriteResult {
  _index: string;
  _id: string;
  _version: number;
  result: 'created' | 'updated' | 'deleted' | 'not_found';
  _seq_no: number;
  _primary_term: number;
  _shards: { total: number; successful: number; failed: number };
}

export interface ModelOptions {
  /** Lets another request interleave between the items of one bulk or mget (Elasticsearch does not serialise them). */
  interleaver?: Interleaver;
  now?: () => number;
  /** Search sees writes only after a refresh: at most this long after them (on the next search), or on indices.refresh. */
  refreshIntervalMs?: number;
}

const PRIMARY_TERM = 1;
const shards = { total: 1, successful: 1, failed: 0 };

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

/**
 * An in-process model of Elasticsearch's per-document semantics, implementing the subset of the official client
 * the event store calls: realtime get/mget, index with op_type=create, if_seq_no/if_primary_term compare-and-set,
 * external_gte versions, _seq_no/_primary_term/_version on every write, non-atomic bulk (each item on its own),
 * near-real-time search over a small query subset, and indices.* / cluster.health that succeed. Every behaviour
 * it assumes is checked against a real Elasticsearch by elasticsearch-model.int-spec.ts.
 */
export class ElasticsearchModel {
  private readonly store = new Map<string, Index>();
  private readonly templates = new Map<
    string,
    { index_patterns: string[]; template?: { mappings?: { _source?: { excludes?: string[] } } } }
  >();
  private readonly now: () => number;
  private readonly refreshIntervalMs: number;

  constructor(private readonly options: ModelOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.refreshIntervalMs = options.refreshIntervalMs ?? 1000;
  }

  // ------------------------------------------------------------------ documents

  async get(params: { index: string; id: string; _source_excludes?: string[] }): Promise<Source> {
    const ix = this.existing(params.index);
    const doc = ix.docs.get(params.id);
    if (!doc) throw notFoundError(ix.name, params.id);
    return this.found(ix, params.id, doc, params._source_excludes);
  }

  /** `ids` of one `index`, or `docs` naming each document's index (one request reading several indices). */
  async mget(
    params: ({ index: string; ids: string[] } | { docs: { _index: string; _id: string }[] }) & { _source_excludes?: string[] },
  ): Promise<{ docs: Source[] }> {
    const items = 'docs' in params ? params.docs : params.ids.map((_id) => ({ _index: params.index, _id }));
    const docs: Source[] = [];
    for (const { _index: index, _id: id } of items) {
      await this.interleave('mget item');
      const ix = this.store.get(index);
      if (!ix) {
        docs.push({
          _index: index,
          _id: id,
          error: {
            type: 'index_not_found_exception',
            reason: `no such index [${index}]`,
            'resource.type': 'index_or_alias',
            'resource.id': index,
          },
        });
        continue;
      }
      const doc = ix.docs.get(id);
      docs.push(doc ? this.found(ix, id, doc, params._source_excludes) : { _index: ix.name, _id: id, found: false });
    }
    return { docs };
  }

  async index(params: WriteParams & { refresh?: unknown }): Promise<WriteResult> {
    return this.write(params);
  }

  async delete(params: { index: string; id: string; if_seq_no?: number; if_primary_term?: number }): Promise<WriteResult> {
    const r = this.remove(params);
    if (r.result === 'not_found') throw bodyError(404, { ...r });
    return r;
  }

  async bulk(params: {
    operations?: unknown[];
    body?: unknown[];
    index?: string;
    refresh?: unknown;
  }): Promise<{ errors: boolean; took: number; items: Source[] }> {
    const ops = params.operations ?? params.body ?? [];
    const items: Source[] = [];
    for (let i = 0; i < ops.length;) {
      const [action, meta] = Object.entries(ops[i] as Source)[0] as [string, Source];
      const target = { index: (meta._index as string) ?? params.index, id: meta._id as string };
      await this.interleave('bulk item');
      try {
        if (action === 'delete') {
          i += 1;
          const r = this.remove({ ...target, if_seq_no: meta.if_seq_no as number, if_primary_term: meta.if_primary_term as number });
          items.push({ delete: { ...r, status: r.result === 'deleted' ? 200 : 404 } });
          continue;
        }
        if (action !== 'create' && action !== 'index') throw new UnsupportedByModelError(`model: bulk action ${action}`);
        const document = ops[i + 1];
        i += 2;
        const r = this.write({
          ...target,
          document,
          op_type: action === 'create' ? 'create' : (meta.op_type as 'create' | 'index' | undefined),
          if_seq_no: meta.if_seq_no as number | undefined,
          if_primary_term: meta.if_primary_term as number | undefined,
          version: meta.version as number | undefined,
          version_type: meta.version_type as WriteParams['version_type'],
        });
        items.push({ [action]: { ...r, status: r.result === 'created' ? 201 : 200 } });
      } catch (e) {
        if (e instanceof UnsupportedByModelError) throw e;
        const err = e as { statusCode?: number; body?: { error?: { type: string; reason: string } } };
        items.push({
          [action]: {
            _index: target.index,
            _id: target.id,
            status: err.statusCode ?? 500,
            error: err.body?.error ?? { type: 'exception', reason: String(e) },
          },
        });
      }
    }
    return { errors: items.some((it) => ((Object.values(it)[0] as { status: number }).status ?? 500) >= 300), took: 1, items };
  }

  async search(params: {
    index: string | string[];
    size?: number;
    from?: number;
    query?: Source;
    sort?: unknown;
    search_after?: unknown[];
    _source?: boolean | string[] | Source;
    track_total_hits?: boolean | number;
    [other: string]: unknown;
  }): Promise<Source> {
    for (const k of ['aggs', 'aggregations', 'pit', 'collapse', 'scroll']) {
      if (params[k] !== undefined) throw new UnsupportedByModelError(`model: search with ${k}`);
    }
    const indices = this.resolve(params.index);
    const keys = sortKeys(params.sort);
    let hits: { ix: Index; id: string; doc: Doc; sort: unknown[] }[] = [];
    for (const ix of indices) {
      if (this.now() - ix.refreshedAt >= this.refreshIntervalMs) this.refreshIndex(ix);
      for (const [id, doc] of ix.searchable) {
        if (matches(doc.source, id, params.query)) hits.push({ ix, id, doc, sort: sortValues(doc.source, id, keys) });
      }
    }
    hits.sort((a, b) => compareSortValues(a.sort, b.sort, keys));
    const total = hits.length;
    if (params.search_after) hits = hits.filter((h) => compareSortValues(h.sort, params.search_after as unknown[], keys) > 0);
    const from = params.from ?? 0;
    const page = hits.slice(from, from + (params.size ?? 10));
    return {
      took: 1,
      timed_out: false,
      hits: {
        total: { value: total, relation: 'eq' },
        hits: page.map((h) => ({
          _index: h.ix.name,
          _id: h.id,
          _score: null,
          ...(params._source === false ? {} : { _source: structuredClone(h.doc.source) }),
          ...(keys.length > 0 ? { sort: h.sort } : {}),
        })),
      },
    };
  }

  // ------------------------------------------------------------------ indices and cluster

  readonly indices = {
    exists: async (p: { index: string | string[] }): Promise<boolean> =>
      (Array.isArray(p.index) ? p.index : [p.index]).every((i) => this.store.has(i)),
    create: async (p: { index: string; mappings?: Source & { _source?: { excludes?: string[] } } }): Promise<Source> => {
      if (this.store.has(p.index)) {
        throw responseError(400, { type: 'resource_already_exists_exception', reason: `index [${p.index}] already exists` });
      }
      this.createIndex(p.index, p.mappings);
      return { acknowledged: true, shards_acknowledged: true, index: p.index };
    },
    putMapping: async (p: { index: string; properties?: Source }): Promise<Source> => {
      const ix = this.existing(p.index);
      // Mappings only grow: new fields are added, existing ones kept as they are.
      ix.mappings = { ...ix.mappings, properties: { ...(p.properties ?? {}), ...((ix.mappings.properties as Source) ?? {}) } };
      return { acknowledged: true };
    },
    // Settings are acknowledged, not modelled: every index's searches see writes at most refreshIntervalMs late, the
    // bound that both a scheduled refresh and a search-idle shard (refreshed when searched) keep.
    putSettings: async (p: { index: string }): Promise<Source> => {
      this.existing(p.index);
      return { acknowledged: true };
    },
    getMapping: async (p: { index: string }): Promise<Source> => {
      const ix = this.existing(p.index);
      return { [ix.name]: { mappings: structuredClone(ix.mappings) } };
    },
    // The model has one shard per index (what the store's set-up checks of an existing events index).
    get: async (p: { index: string }): Promise<Source> => {
      const ix = this.existing(p.index);
      return { [ix.name]: { settings: { index: { number_of_shards: '1' } }, mappings: structuredClone(ix.mappings) } };
    },
    getIndexTemplate: async (p: { name: string }): Promise<Source> => {
      const t = this.templates.get(p.name);
      if (!t) throw responseError(404, { type: 'resource_not_found_exception', reason: `index template matching [${p.name}] not found` });
      return { index_templates: [{ name: p.name, index_template: structuredClone(t) }] };
    },
    putIndexTemplate: async (p: { name: string; index_patterns: string[]; template?: object; [k: string]: unknown }): Promise<Source> => {
      const { name, ...rest } = p;
      this.templates.set(name, structuredClone(rest) as never);
      return { acknowledged: true };
    },
    deleteIndexTemplate: async (p: { name: string }): Promise<Source> => {
      this.templates.delete(p.name);
      return { acknowledged: true };
    },
    delete: async (p: { index: string | string[]; ignore_unavailable?: boolean }): Promise<Source> => {
      for (const ix of this.resolve(p.index, p.ignore_unavailable)) this.store.delete(ix.name);
      return { acknowledged: true };
    },
    refresh: async (p: { index?: string | string[] } = {}): Promise<Source> => {
      for (const ix of this.resolve(p.index ?? '*', true)) this.refreshIndex(ix);
      return { _shards: shards };
    },
  };

  readonly cluster = {
    health: async (): Promise<Source> => ({ status: 'green', timed_out: false, number_of_nodes: 1 }),
  };

  async close(): Promise<void> {}

  /** Names of the indices starting with a prefix (harness diagnostics). */
  indexNames(prefix: string): string[] {
    return [...this.store.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  /** Every live document of an index (for harness diagnostics, never for the store). */
  dump(index: string): Map<string, Source> {
    const ix = this.store.get(index);
    return new Map([...(ix?.docs ?? new Map<string, Doc>())].map(([id, d]) => [id, structuredClone(d.source)]));
  }

  // ------------------------------------------------------------------ internals

  private async interleave(label: string): Promise<void> {
    if (this.options.interleaver) await this.options.interleaver.gate(`es ${label}`);
  }

  private createIndex(name: string, explicit?: Source & { _source?: { excludes?: string[] } }): Index {
    const fromTemplate = [...this.templates.values()].find((t) => t.index_patterns.some((p) => wildcard(p).test(name)));
    const mappings = structuredClone(explicit ?? (fromTemplate?.template?.mappings as Source | undefined) ?? {}) as Source & {
      _source?: { excludes?: string[] };
    };
    const ix: Index = {
      name,
      docs: new Map(),
      deleted: new Map(),
      seqNo: -1,
      excludes: mappings._source?.excludes ?? [],
      mappings,
      searchable: new Map(),
      refreshedAt: this.now(),
    };
    this.store.set(name, ix);
    return ix;
  }

  private existing(index: string): Index {
    const ix = this.store.get(index);
    if (!ix) throw indexNotFound(index);
    return ix;
  }

  private resolve(index: string | string[], lenient = false): Index[] {
    const out: Index[] = [];
    for (const pattern of (Array.isArray(index) ? index : index.split(',')).map((s) => s.trim())) {
      if (pattern.includes('*')) out.push(...[...this.store.values()].filter((ix) => wildcard(pattern).test(ix.name)));
      else if (this.store.has(pattern)) out.push(this.store.get(pattern) as Index);
      else if (!lenient) throw indexNotFound(pattern);
    }
    return out;
  }

  private refreshIndex(ix: Index): void {
    ix.searchable = new Map(ix.docs);
    ix.refreshedAt = this.now();
  }

  private found(ix: Index, id: string, doc: Doc, excludes: string[] = []): Source {
    const source = structuredClone(doc.source);
    for (const k of excludes) delete source[k];
    return {
      _index: ix.name,
      _id: id,
      _version: doc.version,
      _seq_no: doc.seqNo,
      _primary_term: PRIMARY_TERM,
      found: true,
      _source: source,
    };
  }

  /** One single-document write: the only atomic unit Elasticsearch offers. */
  private write(p: WriteParams): WriteResult {
    const ix = this.store.get(p.index) ?? this.createIndex(p.index);
    const current = ix.docs.get(p.id);
    const external = p.version_type === 'external' || p.version_type === 'external_gte';
    if (p.if_seq_no !== undefined || p.if_primary_term !== undefined) {
      if (!current) {
        throw versionConflict(
          ix.name,
          p.id,
          `required seqNo [${p.if_seq_no}], primary term [${p.if_primary_term}] but no document was found`,
        );
      }
      if (current.seqNo !== p.if_seq_no || p.if_primary_term !== PRIMARY_TERM) {
        throw versionConflict(
          ix.name,
          p.id,
          `required seqNo [${p.if_seq_no}], primary term [${p.if_primary_term}]. current document has seqNo [${current.seqNo}] and primary term [${PRIMARY_TERM}]`,
        );
      }
    }
    if (p.op_type === 'create' && current) {
      throw versionConflict(ix.name, p.id, `document already exists (current version [${current.version}])`);
    }
    let version: number;
    if (external) {
      const v = p.version as number;
      if (current && (p.version_type === 'external' ? v <= current.version : v < current.version)) {
        throw versionConflict(ix.name, p.id, `current version [${current.version}] is higher or equal to the one provided [${v}]`);
      }
      version = v;
    } else {
      version = (current?.version ?? ix.deleted.get(p.id) ?? 0) + 1;
    }
    const source = structuredClone((p.document ?? p.body ?? {}) as Source);
    for (const k of ix.excludes) delete source[k];
    const doc: Doc = { source, seqNo: ++ix.seqNo, version };
    ix.docs.set(p.id, doc);
    ix.deleted.delete(p.id);
    return {
      _index: ix.name,
      _id: p.id,
      _version: version,
      result: current ? 'updated' : 'created',
      _seq_no: doc.seqNo,
      _primary_term: PRIMARY_TERM,
      _shards: shards,
    };
  }

  private remove(p: { index: string; id: string; if_seq_no?: number; if_primary_term?: number }): WriteResult {
    const ix = this.store.get(p.index) ?? this.createIndex(p.index);
    const current = ix.docs.get(p.id);
    if (p.if_seq_no !== undefined && (!current || current.seqNo !== p.if_seq_no || p.if_primary_term !== PRIMARY_TERM)) {
      throw versionConflict(ix.name, p.id, `required seqNo [${p.if_seq_no}], primary term [${p.if_primary_term}]`);
    }
    const seqNo = ++ix.seqNo;
    if (!current)
      return { _index: ix.name, _id: p.id, _version: 1, result: 'not_found', _seq_no: seqNo, _primary_term: PRIMARY_TERM, _shards: shards };
    ix.docs.delete(p.id);
    ix.deleted.set(p.id, current.version + 1);
    return {
      _index: ix.name,
      _id: p.id,
      _version: current.version + 1,
      result: 'deleted',
      _seq_no: seqNo,
      _primary_term: PRIMARY_TERM,
      _shards: shards,
    };
  }
}
