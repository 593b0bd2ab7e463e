import type { Client } from '@elastic/elasticsearch';
import { testClient, testPrefix } from '../es-test-support';
import { ElasticsearchModel } from './elasticsearch-model';

/**
 * The real Elasticsearch is the judge of the in-process model: each behaviour the model assumes is run as the same
 * calls on both, and their observable answers (results, statuses, error types, versions, seq_no) must be equal.
 */
// The model stands in for the client it models (the subset the scripts call).
type Backend = Client;
type Script = (es: Backend, index: (name: string) => string) => Promise<unknown[]>;

/** What a caller can observe of an answer, without what legitimately differs (index names, uuids, timings, messages). */
function observable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(observable);
  if (!v || typeof v !== 'object') return v;
  const noise = new Set([
    '_index',
    'index',
    'index_uuid',
    'resource.id',
    'shard',
    'took',
    '_shards',
    'reason',
    'root_cause',
    'caused_by',
    '_score',
    'max_score',
    'timed_out',
    'acknowledged',
    'shards_acknowledged',
  ]);
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !noise.has(k))
      .map(([k, x]) => [k, observable(x)]),
  );
}

/** An answer or the error it threw, as observed. */
async function observe(p: Promise<unknown>): Promise<unknown> {
  try {
    return observable(await p);
  } catch (e) {
    const err = e as { statusCode?: number; body?: { error?: { type?: string }; found?: boolean } };
    return { status: err.statusCode, type: err.body?.error?.type ?? null, found: err.body?.found ?? null };
  }
}

describe('the in-process Elasticsearch model, judged by the real Elasticsearch', () => {
  let real: Client;
  let prefix: string;
  let n = 0;
  const created: string[] = [];

  beforeAll(() => {
    real = testClient();
    prefix = testPrefix('es-model');
  });
  afterAll(async () => {
    // Named one by one: Elasticsearch refuses wildcard deletes by default (action.destructive_requires_name).
    if (created.length > 0) await real.indices.delete({ index: created, ignore_unavailable: true });
    await real.close();
  });

  /** Runs the script on a fresh model and on the real Elasticsearch (one-shard indices, no automatic refresh). */
  async function onBoth(script: Script): Promise<unknown[]> {
    const run = async (es: Backend, tag: string) => {
      const at = `${prefix}-${tag}${++n}`;
      const index = (name: string) => `${at}-${name}`;
      for (const name of ['a', 'b']) {
        await es.indices.create({ index: index(name), settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: -1 } });
        if (es === real) created.push(index(name));
      }
      return script(es, index);
    };
    const model = await run(new ElasticsearchModel({ refreshIntervalMs: Infinity }) as unknown as Backend, 'm');
    const truth = await run(real, 'r');
    expect(model).toEqual(truth);
    return truth;
  }

  describe('when a document is created with op_type=create', () => {
    it('creates it once and answers 409 version_conflict_engine_exception to the next create of that id', async () => {
      const t = await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', op_type: 'create', document: { v: 1 } })),
        await observe(es.index({ index: ix('a'), id: '1', op_type: 'create', document: { v: 2 } })),
        await observe(es.get({ index: ix('a'), id: '1' })),
      ]);
      expect(t[1]).toMatchObject({ status: 409, type: 'version_conflict_engine_exception' });
    });
  });

  describe('when writes use if_seq_no and if_primary_term', () => {
    it('applies a write on the current seq_no and refuses a stale one, or one on a missing document, with 409', async () => {
      const t = await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', document: { v: 1 } })),
        await observe(es.index({ index: ix('a'), id: '1', if_seq_no: 0, if_primary_term: 1, document: { v: 2 } })),
        await observe(es.index({ index: ix('a'), id: '1', if_seq_no: 0, if_primary_term: 1, document: { v: 3 } })),
        await observe(es.index({ index: ix('a'), id: '2', if_seq_no: 0, if_primary_term: 1, document: { v: 1 } })),
        await observe(es.get({ index: ix('a'), id: '1' })),
      ]);
      expect(t.slice(2, 4)).toEqual([expect.objectContaining({ status: 409 }), expect.objectContaining({ status: 409 })]);
    });
  });

  describe('when a document is read right after a write, without a refresh', () => {
    it('sees it by get and mget (in request order, missing ids as found: false), and a missing one as 404', async () => {
      await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', document: { v: 1, big: 'x' } })),
        await observe(es.get({ index: ix('a'), id: '1' })),
        await observe(es.mget({ index: ix('a'), ids: ['2', '1'], _source_excludes: ['big'] })),
        await observe(es.get({ index: ix('a'), id: '2' })),
        await observe(es.get({ index: ix('missing'), id: '1' })),
      ]);
    });

    it('reads documents of several indices in one mget, in request order (a missing index as an error item)', async () => {
      await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', document: { v: 1 } })),
        await observe(es.index({ index: ix('b'), id: '1', document: { w: 2 } })),
        await observe(
          es.mget({
            docs: [
              { _index: ix('b'), _id: '1' },
              { _index: ix('a'), _id: '2' },
              { _index: ix('a'), _id: '1' },
              { _index: ix('missing'), _id: '1' },
            ],
          }),
        ),
      ]);
    });
  });

  describe('when a bulk mixes items that succeed and items that fail', () => {
    it('applies each item on its own, answers errors: true with a status per item, and bumps seq_no only for applied writes', async () => {
      const t = await onBoth(async (es, ix) => {
        await es.index({ index: ix('a'), id: 'x', document: { v: 0 } });
        const answer = await observe(
          es.bulk({
            operations: [
              { create: { _index: ix('a'), _id: 'new' } },
              { v: 1 },
              { create: { _index: ix('a'), _id: 'x' } },
              { v: 2 },
              { index: { _index: ix('a'), _id: 'x', if_seq_no: 7, if_primary_term: 1 } },
              { v: 3 },
              { index: { _index: ix('b'), _id: 'y' } },
              { v: 4 },
              { index: { _index: ix('a'), _id: 'x', if_seq_no: 0, if_primary_term: 1 } },
              { v: 5 },
              { delete: { _index: ix('a'), _id: 'absent' } },
            ],
          }),
        );
        return [answer, await observe(es.mget({ index: ix('a'), ids: ['new', 'x'] }))];
      });
      expect(t[0]).toMatchObject({ errors: true });
    });
  });

  describe('when a document is written with version_type=external_gte', () => {
    it('takes the given version, accepts an equal or higher one and refuses a lower one with 409', async () => {
      const t = await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', version: 5, version_type: 'external_gte', document: { v: 5 } })),
        await observe(es.index({ index: ix('a'), id: '1', version: 5, version_type: 'external_gte', document: { v: 55 } })),
        await observe(es.index({ index: ix('a'), id: '1', version: 3, version_type: 'external_gte', document: { v: 3 } })),
        await observe(es.index({ index: ix('a'), id: '1', version: 7, version_type: 'external_gte', document: { v: 7 } })),
        await observe(es.get({ index: ix('a'), id: '1' })),
      ]);
      expect(t[2]).toMatchObject({ status: 409 });
    });
  });

  describe('when a document is deleted and created again', () => {
    it('continues its version count', async () => {
      await onBoth(async (es, ix) => [
        await observe(es.index({ index: ix('a'), id: '1', document: { v: 1 } })),
        await observe(es.delete({ index: ix('a'), id: '1' })),
        await observe(es.index({ index: ix('a'), id: '1', op_type: 'create', document: { v: 2 } })),
        await observe(es.delete({ index: ix('a'), id: 'absent' })),
      ]);
    });
  });

  describe('when searching', () => {
    it('sees writes only after a refresh, and filters with term and range, sorted', async () => {
      await onBoth(async (es, ix) => {
        for (const [id, n, k] of [
          ['1', 5, 'x'],
          ['2', 1, 'y'],
          ['3', 9, 'x'],
        ] as const)
          await es.index({ index: ix('a'), id, document: { n, k } });
        const query = { bool: { filter: [{ term: { k: 'x' } }, { range: { n: { lte: 9 } } }] } };
        const before = await observe(es.search({ index: ix('a'), query, sort: [{ n: 'desc' }], size: 10 }));
        await es.indices.refresh({ index: ix('a') });
        const after = await observe(es.search({ index: ix('a'), query, sort: [{ n: 'desc' }], size: 10 }));
        const ids = await observe(
          es.search({ index: ix('a'), query: { range: { n: { lte: 5 } } }, _source: false, size: 10, sort: [{ n: 'asc' }] }),
        );
        return [before, after, ids];
      });
    });
  });

  describe('when an index is created twice', () => {
    it('answers 400 resource_already_exists_exception, and exists says which indices are there', async () => {
      await onBoth(async (es, ix) => [
        await observe(es.indices.create({ index: ix('a') })),
        await observe(es.indices.exists({ index: [ix('a'), ix('b')] })),
        await observe(es.indices.exists({ index: ix('missing') })),
      ]);
    });
  });
});
