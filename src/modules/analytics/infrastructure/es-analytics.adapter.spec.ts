import { errors, type Client } from '@elastic/elasticsearch';
import { toErrorResponse } from '../../../common/errors/error-response';
import { ElasticsearchAnalyticsReader, translateEsError } from './es-analytics.adapter';
import { COMPOSITE_PAGE_SIZE } from './es-analytics.requests';

const scope = { organizationId: 'org-a', isAdmin: false };
const esResult = (statusCode: number, type = 'x') =>
  ({
    body: { error: { type, reason: `${type} happened`, root_cause: [{ type, reason: `${type} happened` }] } },
    statusCode,
    headers: {},
    meta: {},
    warnings: null,
  }) as unknown as ConstructorParameters<typeof errors.ResponseError>[0];

/** A client whose search answers the given responses in turn, recording the requests. */
function fakeClient(...responses: unknown[]) {
  const requests: Record<string, unknown>[] = [];
  const search = jest.fn(async (req: Record<string, unknown>) => {
    requests.push(req);
    const next = responses.shift();
    if (next instanceof Error) throw next;
    return next;
  });
  return { client: { search } as unknown as Client, requests };
}

const keys = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => ({ key: { key: `u${offset + i}` }, doc_count: 1 }));
const composite = (buckets: { key: { key: string } }[]) => ({
  buckets,
  ...(buckets.length ? { after_key: buckets[buckets.length - 1].key } : {}),
});

describe('ElasticsearchAnalyticsReader', () => {
  describe('when there are more users than one composite page holds', () => {
    it('pages with after_key until a short page, so every user is counted', async () => {
      const { client, requests } = fakeClient(
        {
          hits: { total: { value: 12_345, relation: 'eq' }, hits: [] },
          aggregations: {
            byHour: { buckets: [] },
            byDay: { buckets: [] },
            byOrganization: composite([{ key: { key: 'org-a' }, doc_count: 12_345 }] as never),
            byUser: composite(keys(COMPOSITE_PAGE_SIZE)),
          },
        },
        {
          hits: { total: { value: 0, relation: 'eq' }, hits: [] },
          aggregations: { byUser: composite(keys(COMPOSITE_PAGE_SIZE, COMPOSITE_PAGE_SIZE)) },
        },
        { hits: { total: { value: 0, relation: 'eq' }, hits: [] }, aggregations: { byUser: composite(keys(3, 2 * COMPOSITE_PAGE_SIZE)) } },
      );
      const r = await new ElasticsearchAnalyticsReader(client, 'p-events').statistics({}, scope, 'UTC');
      expect(r.total).toBe(12_345);
      expect(r.byUser).toHaveLength(2 * COMPOSITE_PAGE_SIZE + 3);
      expect(r.byOrganization).toEqual([{ key: 'org-a', count: 12_345 }]);
      expect(requests).toHaveLength(3);
      expect(requests[2]).toMatchObject({ aggs: { byUser: { composite: { after: { key: `u${2 * COMPOSITE_PAGE_SIZE - 1}` } } } } });
    });
  });

  describe('when events lack a key field', () => {
    it('counts them under "unknown" instead of dropping them', async () => {
      const { client } = fakeClient({
        hits: { total: { value: 2, relation: 'eq' }, hits: [] },
        aggregations: {
          byHour: { buckets: [] },
          byDay: { buckets: [] },
          byOrganization: composite([{ key: { key: 'org-a' }, doc_count: 2 }] as never),
          byUser: { buckets: [{ key: { key: null }, doc_count: 2 }] },
        },
      });
      const r = await new ElasticsearchAnalyticsReader(client, 'p-events').statistics({}, scope, 'UTC');
      expect(r.byUser).toEqual([{ key: 'unknown', count: 2 }]);
    });
  });

  describe('when a sum goes past 2^53 minor units', () => {
    it('refuses with ANALYTICS.SUM_NOT_EXACT rather than answer an inexact amount', async () => {
      const { client } = fakeClient({
        hits: { total: { value: 0, relation: 'eq' }, hits: [] },
        aggregations: {
          currencies: {
            buckets: [
              {
                key: { key: 'EUR' },
                doc_count: 2,
                processed: { doc_count: 2, amount: { value: 2 ** 54 } },
                refunded: { doc_count: 0, amount: { value: 0 } },
              },
            ],
          },
        },
      });
      await expect(new ElasticsearchAnalyticsReader(client, 'p-events').refunds({}, scope)).rejects.toMatchObject({
        code: 'ANALYTICS.SUM_NOT_EXACT',
        httpStatus: 422,
      });
    });
  });

  describe('when Elasticsearch fails', () => {
    it.each([
      ['a connection error', new errors.ConnectionError('connect ECONNREFUSED')],
      ['a timeout', new errors.TimeoutError('Request timed out')],
      ['HTTP 429 (circuit breaker, queue full)', new errors.ResponseError(esResult(429, 'circuit_breaking_exception'))],
      ['HTTP 500 (all shards failed)', new errors.ResponseError(esResult(500, 'search_phase_execution_exception'))],
      ['HTTP 503', new errors.ResponseError(esResult(503))],
      ['a missing index', new errors.ResponseError(esResult(404, 'index_not_found_exception'))],
      ['a response that is not Elasticsearch', new errors.ProductNotSupportedError('Elasticsearch', esResult(200))],
    ])('answers %s with 503 EventStoreUnavailable', async (_name, error) => {
      const { client } = fakeClient(error);
      const failure = await new ElasticsearchAnalyticsReader(client, 'p-events').extent({}, scope).catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'EventStoreUnavailable' });
      expect(toErrorResponse(failure)).toMatchObject({
        status: 503,
        body: { error: 'EventStoreUnavailable' },
        headers: { 'retry-after': '5' },
      });
    });

    it('answers a query Elasticsearch refuses as built with 400 ANALYTICS.QUERY_REFUSED and its reason', async () => {
      const { client } = fakeClient(new errors.ResponseError(esResult(400, 'too_many_buckets_exception')));
      const failure = await new ElasticsearchAnalyticsReader(client, 'p-events').trends({}, scope, 'hour', 'UTC').catch((e: unknown) => e);
      expect(toErrorResponse(failure)).toMatchObject({
        status: 400,
        body: {
          error: 'ANALYTICS.QUERY_REFUSED',
          details: [{ field: 'query', message: 'too_many_buckets_exception: too_many_buckets_exception happened' }],
        },
      });
    });

    it('leaves errors that are not Elasticsearch’s alone', () => {
      const bug = new TypeError('x is undefined');
      expect(translateEsError(bug, 'statistics')).toBe(bug);
    });
  });
});
