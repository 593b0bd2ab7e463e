import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { type NewEvent, type StoredEvent } from '@gyroscops/event-store';
import { dropIndices, ElasticsearchEventStore, indexNames } from '@gyroscops/event-store/elasticsearch';
import { EVENTS_LAYOUTS } from '@gyroscops/event-store/testing';
import { SEARCH_FIELDS } from '../../../search-fields';
import { ElasticsearchAnalyticsReader } from './es-analytics.adapter';

/**
 * The reader against a real Elasticsearch with composite pages of 3 keys, so every figure pages many times:
 * results must equal a brute-force count whatever the page boundaries.
 */
describe.each(EVENTS_LAYOUTS)('ElasticsearchAnalyticsReader on a real Elasticsearch$name, with tiny composite pages', ({ eventsIndex }) => {
  const node = process.env.ES_NODE as string;
  const client = new Client({ node, requestTimeout: 30_000 });
  const prefix = `test-analytics-reader-${randomBytes(4).toString('hex')}`;
  const index = indexNames(prefix).events;
  let now = new Date('2024-12-01T00:00:00Z');
  const store = new ElasticsearchEventStore({
    client,
    indexPrefix: prefix,
    searchFields: SEARCH_FIELDS,
    clock: () => now,
    leaseMs: 1000,
    gapTimeoutMs: 1000,
    eventsIndex,
  });
  const reader = new ElasticsearchAnalyticsReader(client, index, { pageSize: 3, eventsIndex });
  const written: StoredEvent[] = [];
  const admin = { organizationId: 'root', isAdmin: true };

  const append = async (id: string, type: string, org: string, user: string, events: NewEvent[], at: Date) => {
    now = at;
    const context = { correlationId: `c-${id}`, causationId: null, userId: user, organizationId: org, source: 'int', isAdmin: false };
    written.push(...(await store.appendToStream(id, events, { aggregateType: type, expectedVersion: 'any', context })).events);
  };
  const sum = (events: StoredEvent[], field: string) => events.reduce((s, e) => s + (e.eventData[field] as number), 0);

  beforeAll(async () => {
    await store.setup();
    let n = 0;
    const at = () => new Date(Date.parse('2024-12-01T00:00:00Z') + (n++ % 97) * 3_600_000 + 61_000);
    // 17 users over 4 organizations; 8 currencies; 7 step kinds; invoices over 3 periods.
    for (let u = 0; u < 17; u++) {
      const org = `org-${u % 4}`;
      for (let k = 0; k <= u % 3; k++)
        await append(`t-${u}-${k}`, 'Thing', org, `user-${u}`, [{ eventType: 'Happened', eventData: { k } }], at());
    }
    const currencies = ['EUR', 'JPY', 'BHD', 'USD', 'GBP', 'CHF', 'KWD', 'SEK'];
    for (let i = 0; i < 40; i++) {
      const currency = currencies[i % currencies.length];
      const org = `org-${i % 4}`;
      await append(
        `p-${i}`,
        'Payment',
        org,
        'payer',
        [{ eventType: 'PaymentProcessed', eventData: { amountMinor: 1000 + i * 37, currency } }],
        at(),
      );
      if (i % 3 === 0)
        await append(
          `p-${i}`,
          'Payment',
          org,
          'payer',
          [{ eventType: 'PaymentRefunded', eventData: { amountMinor: 100 + i, currency } }],
          at(),
        );
      const period = ['2024-10', '2024-11', '2024-12'][i % 3];
      await append(
        `inv-${i}`,
        'Invoice',
        org,
        'biller',
        [{ eventType: 'InvoiceIssued', eventData: { totalMinor: 5000 + i, currency, period } }],
        at(),
      );
      if (i % 5 === 0)
        await append(
          `inv-${i}`,
          'Invoice',
          org,
          'biller',
          [{ eventType: 'InvoiceVoided', eventData: { totalMinor: 5000 + i, currency, period, previousStatus: 'issued' } }],
          at(),
        );
    }
    for (let i = 0; i < 70; i++) {
      const stepKind = `kind-${i % 7}`;
      const eventType = i % 6 === 0 ? 'WorkflowStepFailed' : 'WorkflowStepCompleted';
      await append(
        `wf-${i}`,
        'Workflow',
        `org-${i % 2}`,
        'runner',
        [{ eventType, eventData: { stepKind, durationMs: 10 * (i + 1) } }],
        at(),
      );
    }
    await client.indices.refresh({ index });
  }, 300_000);

  afterAll(async () => {
    await store.close();
    await dropIndices(client, prefix);
    await client.close();
  });

  it('counts every organization and user across pages, exactly', async () => {
    const r = await reader.statistics({}, admin, 'UTC');
    const count = (key: (e: StoredEvent) => string) => {
      const out = new Map<string, number>();
      for (const e of written) out.set(key(e), (out.get(key(e)) ?? 0) + 1);
      return [...out].map(([k, c]) => ({ key: k, count: c })).sort((a, b) => (a.key < b.key ? -1 : 1));
    };
    expect(r.total).toBe(written.length);
    expect(r.byOrganization).toEqual(count((e) => e.metadata.organizationId));
    expect(r.byUser).toEqual(count((e) => e.metadata.userId));
    expect(r.byUser.length).toBeGreaterThan(6);
    // A tenant's figures (one shard when routed by organization) count exactly its events.
    const mine = await reader.statistics({}, { organizationId: 'org-2', isAdmin: false }, 'UTC');
    expect(mine.total).toBe(written.filter((e) => e.metadata.organizationId === 'org-2').length);
    expect(mine.byOrganization).toEqual([{ key: 'org-2', count: mine.total }]);
  });

  it('sums refunds per currency across pages', async () => {
    const r = await reader.refunds({}, admin);
    expect(r).toHaveLength(8);
    for (const f of r) {
      const processed = written.filter((e) => e.eventType === 'PaymentProcessed' && e.eventData.currency === f.currency);
      const refunded = written.filter((e) => e.eventType === 'PaymentRefunded' && e.eventData.currency === f.currency);
      expect(f).toEqual({
        currency: f.currency,
        processed: { count: processed.length, sumMinor: sum(processed, 'amountMinor') },
        refunded: { count: refunded.length, sumMinor: sum(refunded, 'amountMinor') },
      });
    }
  });

  it('pages payment volume per currency with each currency’s whole series', async () => {
    const from = new Date('2024-12-01T00:00:00Z');
    const to = new Date('2024-12-05T23:59:59Z');
    const r = await reader.paymentVolume({ from, to }, { organizationId: 'org-1', isAdmin: false }, 'day', 'UTC');
    const mine = written.filter((e) => e.eventType === 'PaymentProcessed' && e.metadata.organizationId === 'org-1');
    expect(r.map((c) => c.currency).sort()).toEqual([...new Set(mine.map((e) => e.eventData.currency as string))].sort());
    for (const c of r) {
      const theirs = mine.filter((e) => e.eventData.currency === c.currency);
      expect(c.buckets).toHaveLength(5);
      expect(c.sumMinor).toBe(sum(theirs, 'amountMinor'));
      expect(c.buckets.reduce((s, b) => s + b.sumMinor, 0)).toBe(c.sumMinor);
    }
  });

  it('totals invoices per organization, period and currency across pages', async () => {
    const r = await reader.billingTotals({}, admin);
    const issued = written.filter((e) => e.eventType === 'InvoiceIssued');
    expect(r).toHaveLength(new Set(issued.map((e) => `${e.metadata.organizationId}|${e.eventData.period}|${e.eventData.currency}`)).size);
    expect(r.reduce((s, f) => s + f.issued.sumMinor, 0)).toBe(sum(issued, 'totalMinor'));
    expect(r.reduce((s, f) => s + f.voided.count, 0)).toBe(written.filter((e) => e.eventType === 'InvoiceVoided').length);
  });

  it('gives every step kind its counts and duration figures across pages', async () => {
    const r = await reader.workflowSteps({}, admin);
    expect(r.steps.map((s) => s.stepKind)).toEqual(Array.from({ length: 7 }, (_, i) => `kind-${i}`));
    for (const s of r.steps) {
      const completed = written.filter((e) => e.eventType === 'WorkflowStepCompleted' && e.eventData.stepKind === s.stepKind);
      const durations = completed.map((e) => e.eventData.durationMs as number).sort((a, b) => a - b);
      expect(s.completed).toBe(completed.length);
      expect(s.failed).toBe(written.filter((e) => e.eventType === 'WorkflowStepFailed' && e.eventData.stepKind === s.stepKind).length);
      expect(s.durationMs.count).toBe(durations.length);
      expect(s.durationMs.avg).toBeCloseTo(sum(completed, 'durationMs') / durations.length, 9);
      // Ten or so values: Elasticsearch's t-digest keeps each one, so percentiles lie between the smallest and largest.
      expect(s.durationMs.p50).toBeGreaterThanOrEqual(durations[0]);
      expect(s.durationMs.p95).toBeLessThanOrEqual(durations[durations.length - 1]);
      expect(s.durationMs.p50 as number).toBeLessThanOrEqual(s.durationMs.p95 as number);
    }
    expect(r.workflows).toEqual({ completed: 0, durationMs: { count: 0, avg: null, p50: null, p95: null } });
  });

  describe('when Elasticsearch cannot answer', () => {
    it('reports a missing index as EventStoreUnavailable (503), not a 500', async () => {
      const missing = new ElasticsearchAnalyticsReader(client, `${prefix}-nothing-here`);
      await expect(missing.extent({}, admin)).rejects.toMatchObject({ code: 'EventStoreUnavailable' });
    });

    it('reports a node that refuses connections as EventStoreUnavailable (503)', async () => {
      const dead = new Client({ node: 'http://127.0.0.1:1', maxRetries: 0, requestTimeout: 2000 });
      await expect(new ElasticsearchAnalyticsReader(dead, index).statistics({}, admin, 'UTC')).rejects.toMatchObject({
        code: 'EventStoreUnavailable',
      });
      await dead.close();
    });
  });

  describe('when the store has a telemetry retention', () => {
    it('counts no event the retention puts out of reach, and counts them all without it', async () => {
      // The fixture's events are 2024-12-01 to 2024-12-05; "now" is 2024-12-03: WorkflowStepCompleted older than a day is out.
      const at = new Date('2024-12-03T00:00:00Z');
      const retained = new ElasticsearchAnalyticsReader(client, index, {
        pageSize: 3,
        telemetryRetention: { WorkflowStepCompleted: 86_400 },
        clock: () => at,
        eventsIndex,
      });
      const shown = written.filter(
        (e) => !(e.eventType === 'WorkflowStepCompleted' && Date.parse(e.timestamp) < at.getTime() - 86_400_000),
      );
      expect(shown.length).toBeLessThan(written.length);
      expect((await retained.statistics({}, admin, 'UTC')).total).toBe(shown.length);
      const steps = await retained.workflowSteps({}, admin);
      const completed = shown.filter((e) => e.eventType === 'WorkflowStepCompleted').length;
      expect(steps.steps.reduce((n, k) => n + k.completed, 0)).toBe(completed);
      expect((await reader.statistics({}, admin, 'UTC')).total).toBe(written.length);
    });
  });
});
