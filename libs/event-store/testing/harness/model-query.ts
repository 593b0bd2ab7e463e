/**
 * The slice of the query DSL the in-process Elasticsearch model understands: bool (filter/must/must_not/should),
 * term, terms, range, exists, ids, match_all, with sort and search_after. Anything else throws, naming the clause,
 * so a protocol change that starts relying on more of search fails loudly instead of being modelled wrongly.
 */
type Source = Record<string, unknown>;
type Query = Record<string, unknown>;

export class UnsupportedByModelError extends Error {}

function valuesAt(source: Source, path: string): unknown[] {
  let cur: unknown[] = [source];
  for (const seg of path.split('.')) {
    cur = cur
      .flatMap((c) => (Array.isArray(c) ? c : [c]))
      .flatMap((c) => (c && typeof c === 'object' && seg in c ? [(c as Source)[seg]] : []));
  }
  return cur.flatMap((c) => (Array.isArray(c) ? c : [c])).filter((v) => v !== null && v !== undefined);
}

const same = (a: unknown, b: unknown) =>
  typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : String(a) === String(b);

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function single(clause: unknown, name: string): [string, unknown] {
  const entries = Object.entries(clause as Source);
  if (entries.length !== 1) throw new UnsupportedByModelError(`model: ${name} with ${entries.length} fields`);
  return entries[0];
}

export function matches(source: Source, id: string, query: Query | undefined): boolean {
  if (!query) return true;
  const [kind, body] = single(query, 'query');
  const list = (v: unknown): Query[] => (v === undefined ? [] : Array.isArray(v) ? (v as Query[]) : [v as Query]);
  switch (kind) {
    case 'match_all':
      return true;
    case 'bool': {
      const b = body as Record<string, unknown>;
      for (const k of Object.keys(b)) {
        if (!['filter', 'must', 'must_not', 'should', 'minimum_should_match'].includes(k))
          throw new UnsupportedByModelError(`model: bool.${k}`);
      }
      const all = [...list(b.filter), ...list(b.must)].every((q) => matches(source, id, q));
      const none = list(b.must_not).every((q) => !matches(source, id, q));
      const should = list(b.should);
      const some = should.length === 0 || should.some((q) => matches(source, id, q));
      return all && none && some;
    }
    case 'term': {
      const [field, v] = single(body, 'term');
      const value = v && typeof v === 'object' ? (v as Source).value : v;
      return valuesAt(source, field).some((x) => same(x, value));
    }
    case 'terms': {
      const [field, vs] = single(body, 'terms');
      return valuesAt(source, field).some((x) => (vs as unknown[]).some((v) => same(x, v)));
    }
    case 'ids':
      return ((body as { values: string[] }).values ?? []).includes(id);
    case 'exists':
      return valuesAt(source, (body as { field: string }).field).length > 0;
    case 'range': {
      const [field, r] = single(body, 'range');
      const { gt, gte, lt, lte, ...rest } = r as Record<string, unknown>;
      if (Object.keys(rest).length > 0) throw new UnsupportedByModelError(`model: range options ${Object.keys(rest).join(',')}`);
      return valuesAt(source, field).some(
        (x) =>
          (gt === undefined || compare(x, gt) > 0) &&
          (gte === undefined || compare(x, gte) >= 0) &&
          (lt === undefined || compare(x, lt) < 0) &&
          (lte === undefined || compare(x, lte) <= 0),
      );
    }
    default:
      throw new UnsupportedByModelError(`model: query clause ${kind} is not modelled`);
  }
}

export interface SortKey {
  field: string;
  desc: boolean;
}

export function sortKeys(sort: unknown): SortKey[] {
  if (sort === undefined) return [];
  return (Array.isArray(sort) ? sort : [sort]).map((s) => {
    if (typeof s === 'string') return { field: s, desc: false };
    const [field, how] = single(s, 'sort');
    const order = typeof how === 'string' ? how : (how as { order?: string }).order;
    return { field, desc: order === 'desc' };
  });
}

export function sortValues(source: Source, id: string, keys: SortKey[]): unknown[] {
  return keys.map((k) => (k.field === '_id' ? id : (valuesAt(source, k.field)[0] ?? null)));
}

export function compareSortValues(a: unknown[], b: unknown[], keys: SortKey[]): number {
  for (let i = 0; i < keys.length; i++) {
    const c = compare(a[i], b[i]) * (keys[i].desc ? -1 : 1);
    if (c !== 0) return c;
  }
  return 0;
}
