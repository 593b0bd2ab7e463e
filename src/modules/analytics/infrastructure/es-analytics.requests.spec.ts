import { MAX_BUCKETS } from '../domain/time-buckets';
import {
  benchmarkRequests,
  billingTotalsRequest,
  paymentVolumeRequest,
  refundsRequest,
  statisticsRequest,
  trendsRequest,
  workflowStepsRequest,
} from './es-analytics.requests';

const member = { organizationId: 'org-a', isAdmin: false };
const admin = { organizationId: 'org-x', isAdmin: true };
const from = new Date('2024-12-01T00:00:00Z');
const to = new Date('2024-12-31T23:59:59.999Z');

describe('analytics requests', () => {
  const all = [
    statisticsRequest('i', { from, to }, member, 'UTC'),
    trendsRequest('i', { from, to }, member, 'week', 'Europe/Paris'),
    paymentVolumeRequest('i', { from, to }, member, 'day', 'UTC', 100),
    refundsRequest('i', {}, member),
    billingTotalsRequest('i', {}, member),
    workflowStepsRequest('i', {}, member),
  ];

  /** Aggregation types used anywhere in a request's aggregation tree. */
  const aggTypes = (aggs: unknown, out = new Set<string>()): Set<string> => {
    for (const container of Object.values((aggs ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const [type, body] of Object.entries(container)) {
        if (type === 'aggs' || type === 'aggregations') aggTypes(body, out);
        else out.add(type);
      }
    }
    return out;
  };

  it('run on core Elasticsearch with exact counts only: no scripts, no pipeline aggregations, no terms or cardinality', () => {
    const allowed = new Set(['date_histogram', 'composite', 'filter', 'sum', 'stats', 'percentiles', 'min', 'max']);
    for (const req of all) {
      expect([...aggTypes(req.aggs)].filter((t) => !allowed.has(t))).toEqual([]);
      expect(JSON.stringify(req)).not.toContain('script');
      expect(req.size).toBe(0);
    }
  });

  it('filter every figure to the caller’s organization, and nothing for admins', () => {
    for (const req of all) expect(JSON.stringify(req.query)).toContain('{"term":{"organizationId":"org-a"}}');
    expect(JSON.stringify(statisticsRequest('i', {}, admin, 'UTC').query)).not.toContain('organizationId');
  });

  it('count exactly: total hits tracked, organizations and users from paged composite aggregations', () => {
    const req = statisticsRequest('i', { eventType: 'A' }, member, 'Europe/Paris');
    expect(req.track_total_hits).toBe(true);
    expect(req.aggs).toMatchObject({
      byHour: { date_histogram: { field: 'timestamp', calendar_interval: '1h', time_zone: 'Europe/Paris', min_doc_count: 1 } },
      byDay: { date_histogram: { calendar_interval: '1d', time_zone: 'Europe/Paris', min_doc_count: 1 } },
      byOrganization: { composite: { sources: [{ key: { terms: { field: 'organizationId', missing_bucket: true } } }] } },
      byUser: { composite: { sources: [{ key: { terms: { field: 'userId', missing_bucket: true } } }] } },
    });
  });

  it('ask trends for every bucket of the range, empty ones included', () => {
    expect(trendsRequest('i', { from, to }, member, 'month', 'UTC').aggs).toEqual({
      trends: {
        date_histogram: {
          field: 'timestamp',
          calendar_interval: '1M',
          time_zone: 'UTC',
          min_doc_count: 0,
          extended_bounds: { min: from.getTime(), max: to.getTime() },
        },
      },
    });
  });

  it('give the benchmark the very bodies the service runs, and the parameters that make it run them', () => {
    const bench = benchmarkRequests('p-events', { scope: admin, from, to });
    expect(bench.params).toEqual({ from: from.toISOString(), to: to.toISOString(), interval: 'hour', timeZone: 'UTC' });
    expect(bench.statistics).toEqual(statisticsRequest('p-events', { from, to }, admin, 'UTC'));
    expect(bench.trends).toEqual(trendsRequest('p-events', { from, to }, admin, 'hour', 'UTC'));
    const years = benchmarkRequests('p-events', { scope: admin, from: new Date('2020-01-01T00:00:00Z'), to, eventType: 'A' });
    expect(years.params).toMatchObject({ interval: 'day', eventType: 'A' });
    expect(MAX_BUCKETS).toBe(10_000);
  });
});
