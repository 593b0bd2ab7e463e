import { type NewEvent, type StoredEvent, type WriteContext } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { refreshAll, startTestApp, type TestApp } from '../support/e2e-app';

/**
 * Every analytics endpoint against a brute-force count over the very events written: more than 10,000 events in two
 * organizations (and a third only admins see), spread over 17 days and their hours across two daylight saving
 * changes, written through the event store with a clock so their timestamps are chosen. The data never triggers the
 * app's sagas (no payment names an invoice, no step is provision-resource, no invoice gets paid in full), so what
 * Elasticsearch holds is exactly what the brute force counts.
 */

// ------------------------------------------------------------------ deterministic data

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20241219);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

const WINDOW_START = Date.parse('2024-10-20T00:00:00Z');
const WINDOW_END = Date.parse('2024-11-06T00:00:00Z');
const randomInstant = () => new Date(WINDOW_START + Math.floor(random() * (WINDOW_END - WINDOW_START)));

const ORG_A = 'org-a';
const ORG_B = 'org-b';
const ORG_ARCHIVE = 'org-archive';
const USERS: Record<string, string[]> = {
  [ORG_A]: ['ua-1', 'ua-2', 'ua-3', 'shared-user'],
  [ORG_B]: ['ub-1', 'ub-2', 'shared-user'],
  [ORG_ARCHIVE]: ['archivist'],
};
const EXPONENT: Record<string, number> = { EUR: 2, JPY: 0, BHD: 3 };
const STEP_KINDS = ['provision', 'configure', 'notify'];

// ------------------------------------------------------------------ brute force

const all: StoredEvent[] = [];

interface Scope {
  org?: string;
}
const visible = (e: StoredEvent, scope: Scope) => scope.org === undefined || e.metadata.organizationId === scope.org;

function select(
  scope: Scope,
  f: { eventType?: string | string[]; aggregateType?: string; from?: string; to?: string } = {},
): StoredEvent[] {
  const types = f.eventType === undefined ? undefined : Array.isArray(f.eventType) ? f.eventType : [f.eventType];
  const from = f.from ? Date.parse(f.from) : -Infinity;
  const to = f.to ? Date.parse(f.to) : Infinity;
  return all.filter((e) => {
    const t = Date.parse(e.timestamp);
    return (
      visible(e, scope) &&
      (!types || types.includes(e.eventType)) &&
      (!f.aggregateType || e.aggregateType === f.aggregateType) &&
      t >= from &&
      t <= to
    );
  });
}

const localFormats = new Map<string, { text: Intl.DateTimeFormat; offset: Intl.DateTimeFormat }>();

/** Local wall clock and offset through a different Intl route than the service (sv-SE renders ISO-like text). */
function local(ms: number, timeZone: string): { date: string; hour: string; offset: string } {
  let f = localFormats.get(timeZone);
  if (!f) {
    const text = new Intl.DateTimeFormat('sv-SE', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
    });
    f = { text, offset: new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }) };
    localFormats.set(timeZone, f);
  }
  const [date, hour] = f.text.format(ms).split(' ');
  const name = f.offset.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const offset = name === 'GMT' || name === 'GMT+00:00' ? 'Z' : name.slice(3);
  return { date, hour: hour.slice(0, 2), offset };
}

function keyOf(ms: number, interval: 'hour' | 'day' | 'week' | 'month', timeZone: string): string {
  const l = local(ms, timeZone);
  if (interval === 'hour') return `${l.date}T${l.hour}:00:00${l.offset}`;
  if (interval === 'day') return l.date;
  if (interval === 'month') return l.date.slice(0, 7);
  // ISO week: the week (Monday-Sunday) holding this date belongs to the year of its Thursday.
  const d = new Date(`${l.date}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / 86_400_000 / 7) + 1;
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

function countBy(events: StoredEvent[], key: (e: StoredEvent) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const k = key(e);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** Every key the closed range touches, in order, by walking it in 15-minute steps. */
function keysBetween(fromMs: number, toMs: number, interval: 'hour' | 'day' | 'week' | 'month', timeZone: string): string[] {
  const keys: string[] = [];
  const add = (k: string) => {
    if (keys[keys.length - 1] !== k) keys.push(k);
  };
  for (let t = fromMs; t < toMs; t += 15 * 60_000) add(keyOf(t, interval, timeZone));
  add(keyOf(toMs, interval, timeZone));
  return keys;
}

function money(minor: number, currency: string): string | null {
  const e = EXPONENT[currency];
  if (e === undefined) return null;
  const digits = String(Math.abs(minor)).padStart(e + 1, '0');
  const text = e === 0 ? digits : `${digits.slice(0, digits.length - e)}.${digits.slice(digits.length - e)}`;
  return minor < 0 ? `-${text}` : text;
}

const num = (e: StoredEvent, field: string): number => e.eventData[field] as number;
const str = (e: StoredEvent, field: string): string => e.eventData[field] as string;

// ------------------------------------------------------------------ the suite

describe('Analytics over HTTP, compared with a brute-force count of the same events', () => {
  let t: TestApp;
  let store: ElasticsearchEventStore;
  let now = new Date(WINDOW_START);
  const tree: Record<string, StoredEvent> = {};

  const admin = () => t.auth('org-admin', ['admin'], 'admin-user');
  const reader = (org: string) => t.auth(org, ['reader'], `reader-of-${org}`);
  const get = (path: string, headers: { Authorization: string }, query: Record<string, string | number> = {}) =>
    t.http().get(path).query(query).set(headers);

  const context = (org: string, extra: Partial<WriteContext> = {}): WriteContext => ({
    correlationId: `corr-${int(1, 1_000_000)}`,
    causationId: null,
    userId: pick(USERS[org]),
    organizationId: org,
    source: 'analytics-e2e',
    isAdmin: false,
    ...extra,
  });

  async function write(
    aggregateId: string,
    aggregateType: string,
    events: NewEvent[],
    ctx: WriteContext,
    at: Date = randomInstant(),
  ): Promise<StoredEvent[]> {
    now = at;
    const r = await store.appendToStream(aggregateId, events, { aggregateType, expectedVersion: 'any', context: ctx });
    all.push(...r.events);
    return r.events;
  }

  beforeAll(async () => {
    t = await startTestApp('analytics');
    store = new ElasticsearchEventStore({
      client: t.es,
      indexPrefix: t.prefix,
      searchFields: SEARCH_FIELDS,
      clock: () => now,
      leaseMs: 1000,
      gapTimeoutMs: 1000,
    });
    await store.setup();

    // Bulk: big appends (1,000 events each) and many small ones, so hours and days differ.
    let stream = 0;
    const things = (n: number): NewEvent[] =>
      Array.from({ length: n }, () => ({
        eventType: pick(['ThingHappened', 'ThingHappened', 'ThingChanged']),
        eventData: { colour: pick(['red', 'green', 'blue']), size: int(1, 9) },
      }));
    for (const [org, big, small] of [
      [ORG_A, 8, 120],
      [ORG_B, 2, 60],
    ] as const) {
      for (let i = 0; i < big; i++) await write(`thing-${org}-${stream++}`, 'Thing', things(1000), context(org));
      for (let i = 0; i < small; i++) await write(`thing-${org}-${stream++}`, 'Thing', things(int(5, 40)), context(org));
    }

    // Payments: processed, sometimes refunded (later), in three currencies and a code that is no currency.
    for (let i = 0; i < 160; i++) {
      const org = i % 3 === 0 ? ORG_B : ORG_A;
      const currency = i % 40 === 7 ? 'ZZZ' : pick(['EUR', 'EUR', 'JPY', 'BHD']);
      const amountMinor = int(1, 5_000_000);
      const id = `pay-${i}`;
      const paidAt = randomInstant();
      await write(
        id,
        'Payment',
        [
          {
            eventType: 'PaymentProcessed',
            eventData: {
              paymentId: id,
              amount: money(amountMinor, currency) ?? String(amountMinor),
              amountMinor,
              currency,
              status: 'completed',
            },
          },
        ],
        context(org),
        paidAt,
      );
      if (random() < 0.4) {
        const refundMinor = int(1, amountMinor);
        const refundAt = new Date(Math.min(WINDOW_END - 1, paidAt.getTime() + int(1, 72) * 3_600_000));
        await write(
          id,
          'Payment',
          [
            {
              eventType: 'PaymentRefunded',
              eventData: { paymentId: id, amountMinor: refundMinor, currency, status: 'partially_refunded' },
            },
          ],
          context(org),
          refundAt,
        );
      }
    }

    // Invoices: issued, some voided (after issue, or as drafts: not counted), some paid, over two periods.
    for (let i = 0; i < 90; i++) {
      const org = i % 2 === 0 ? ORG_A : ORG_B;
      const currency = pick(['EUR', 'JPY']);
      const period = pick(['2024-10', '2024-11']);
      const totalMinor = int(100, 900_000);
      const id = `inv-${i}`;
      const base = { invoiceId: id, period, currency, totalMinor };
      const fate = random();
      if (fate < 0.15) {
        await write(
          id,
          'Invoice',
          [{ eventType: 'InvoiceVoided', eventData: { ...base, status: 'voided', previousStatus: 'draft' } }],
          context(org),
        );
        continue;
      }
      await write(id, 'Invoice', [{ eventType: 'InvoiceIssued', eventData: { ...base, status: 'issued', lineCount: 1 } }], context(org));
      if (fate < 0.3)
        await write(
          id,
          'Invoice',
          [{ eventType: 'InvoiceVoided', eventData: { ...base, status: 'voided', previousStatus: 'issued' } }],
          context(org),
        );
      else if (fate < 0.8)
        await write(
          id,
          'Invoice',
          [
            {
              eventType: 'InvoicePaymentApplied',
              eventData: { ...base, paymentId: `p-${i}`, amountMinor: int(1, totalMinor), status: 'partially_paid' },
            },
          ],
          context(org),
        );
    }

    // Workflow steps: completed with a duration, failed with or without one.
    for (let i = 0; i < 60; i++) {
      const org = i % 2 === 0 ? ORG_A : ORG_B;
      const events: NewEvent[] = Array.from({ length: int(1, 12) }, (_, j) => {
        const stepKind = pick(STEP_KINDS);
        const failed = random() < (stepKind === 'notify' ? 0.3 : 0.1);
        const durationMs = int(10, stepKind === 'provision' ? 60_000 : 5_000);
        return failed
          ? {
              eventType: 'WorkflowStepFailed',
              eventData: { workflowId: `wf-${i}`, stepId: `s${j}`, stepKind, ...(random() < 0.5 ? { durationMs } : {}), error: 'boom' },
            }
          : { eventType: 'WorkflowStepCompleted', eventData: { workflowId: `wf-${i}`, stepId: `s${j}`, stepKind, durationMs } };
      });
      if (random() < 0.7)
        events.push({
          eventType: 'WorkflowCompleted',
          eventData: { workflowId: `wf-${i}`, durationMs: int(1_000, 900_000), status: 'completed' },
        });
      await write(`wf-${i}`, 'Workflow', events, context(org));
    }

    // A causation tree across aggregates and organizations: a command caused e1, e1 caused e2 and e3, e3 caused e4;
    // org-b's e5 (caused by e2) is only visible to admins.
    const corr = 'corr-tree-1';
    const minute = (n: number) => new Date(Date.parse('2024-10-30T10:00:00Z') + n * 60_000);
    const [e1] = await write(
      'tree-s1',
      'Thing',
      [{ eventType: 'OrderPlaced', eventData: {} }],
      context(ORG_A, { correlationId: corr, causationId: 'cmd-1' }),
      minute(0),
    );
    const [e2, e3] = await write(
      'tree-s2',
      'Thing',
      [
        { eventType: 'StockReserved', eventData: {} },
        { eventType: 'PaymentRequested', eventData: {} },
      ],
      context(ORG_A, { correlationId: corr, causationId: e1.eventId }),
      minute(1),
    );
    const [e4] = await write(
      'tree-s3',
      'Thing',
      [{ eventType: 'PaymentTaken', eventData: {} }],
      context(ORG_A, { correlationId: corr, causationId: e3.eventId }),
      minute(2),
    );
    const [e5] = await write(
      'tree-s4',
      'Thing',
      [{ eventType: 'Audited', eventData: {} }],
      context(ORG_B, { correlationId: corr, causationId: e2.eventId }),
      minute(3),
    );
    Object.assign(tree, { e1, e2, e3, e4, e5 });

    // A third organization whose events lie years apart: an open range over them has too many hours.
    await write('archive-1', 'Archive', [{ eventType: 'Archived', eventData: {} }], context(ORG_ARCHIVE), new Date('2021-03-01T12:00:00Z'));
    await write('archive-2', 'Archive', [{ eventType: 'Archived', eventData: {} }], context(ORG_ARCHIVE), new Date('2024-10-25T12:00:00Z'));

    await refreshAll(t);
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    await t?.close();
  });

  it('holds more than 10,000 events, spread over many days and hours, in both organizations', () => {
    expect(all.length).toBeGreaterThan(10_000);
    expect(select({ org: ORG_A }).length).toBeGreaterThan(10_000);
    expect(new Set(all.map((e) => e.timestamp.slice(0, 10))).size).toBeGreaterThanOrEqual(15);
    expect(new Set(all.map((e) => e.timestamp.slice(0, 13))).size).toBeGreaterThan(200);
  });

  describe('GET /v1/analytics/events/statistics', () => {
    const expected = (events: StoredEvent[], timeZone = 'UTC') => ({
      total: events.length,
      byHour: countBy(events, (e) => keyOf(Date.parse(e.timestamp), 'hour', timeZone)),
      byDay: countBy(events, (e) => keyOf(Date.parse(e.timestamp), 'day', timeZone)),
      byOrganization: countBy(events, (e) => e.metadata.organizationId),
      byUser: countBy(events, (e) => e.metadata.userId),
    });

    it('counts an organization’s events exactly past 10,000, with no filter at all', async () => {
      const r = await get('/v1/analytics/events/statistics', reader(ORG_A));
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expected(select({ org: ORG_A })));
      expect(r.body.total).toBeGreaterThan(10_000);
    });

    it('counts every organization for an admin, by type and range, in UTC', async () => {
      const q = { eventType: 'ThingHappened', from: '2024-10-22T06:30:00Z', to: '2024-11-03T18:00:00Z' };
      const r = await get('/v1/analytics/events/statistics', admin(), q);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(expected(select({}, q)));
      expect(Object.keys(r.body.byOrganization).sort()).toEqual([ORG_A, ORG_B]);
      expect(r.body.byUser['shared-user']).toBe(select({}, q).filter((e) => e.metadata.userId === 'shared-user').length);
    });

    it('names local hours with their offset and local days in a time zone, across the clock going back', async () => {
      const q = { aggregateType: 'Thing', from: '2024-10-26', to: '2024-10-28', timeZone: 'Europe/Paris' };
      const r = await get('/v1/analytics/events/statistics', reader(ORG_B), q);
      expect(r.status).toBe(200);
      const events = select({ org: ORG_B }, { aggregateType: 'Thing', from: '2024-10-25T22:00:00Z', to: '2024-10-28T22:59:59.999Z' });
      expect(r.body).toEqual(expected(events, 'Europe/Paris'));
      expect(Object.keys(r.body.byHour).some((k) => k.endsWith('+02:00'))).toBe(true);
      expect(Object.keys(r.body.byHour).some((k) => k.endsWith('+01:00'))).toBe(true);
    });

    it('refuses an open range whose events span more hours than the limit with ANALYTICS.TOO_MANY_BUCKETS', async () => {
      const r = await get('/v1/analytics/events/statistics', admin(), { aggregateType: 'Archive' });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        error: 'ANALYTICS.TOO_MANY_BUCKETS',
        details: [expect.objectContaining({ interval: 'hour', limit: 10_000 })],
      });
      expect((await get('/v1/analytics/events/statistics', reader(ORG_A), { aggregateType: 'Archive' })).body).toEqual({
        total: 0,
        byHour: {},
        byDay: {},
        byOrganization: {},
        byUser: {},
      });
    });
  });

  describe('GET /v1/analytics/events/trends', () => {
    const cases: {
      interval: 'hour' | 'day' | 'week' | 'month';
      timeZone?: string;
      scope: Scope;
      eventType?: string;
      from?: string;
      to?: string;
    }[] = [
      { interval: 'hour', scope: { org: ORG_A }, eventType: 'ThingChanged', from: '2024-10-26T20:00:00Z', to: '2024-10-28T03:00:00Z' },
      { interval: 'hour', timeZone: 'Europe/Paris', scope: { org: ORG_B }, from: '2024-10-26T20:00:00Z', to: '2024-10-28T03:00:00Z' },
      { interval: 'day', scope: {}, from: '2024-10-15T00:00:00Z', to: '2024-11-10T00:00:00Z' },
      { interval: 'day', timeZone: 'America/New_York', scope: { org: ORG_A }, eventType: 'PaymentProcessed' },
      { interval: 'week', scope: {}, from: '2024-10-01T00:00:00Z', to: '2024-11-30T00:00:00Z' },
      { interval: 'week', timeZone: 'Pacific/Auckland', scope: { org: ORG_B } },
      { interval: 'month', scope: { org: ORG_A }, from: '2024-08-15T00:00:00Z', to: '2025-01-15T00:00:00Z' },
      { interval: 'month', timeZone: 'Asia/Kolkata', scope: {}, eventType: 'InvoiceIssued' },
    ];

    it.each(cases)('counts %j bucket by bucket, in order, empty buckets with 0', async (c) => {
      const query: Record<string, string> = { interval: c.interval };
      for (const k of ['timeZone', 'eventType', 'from', 'to'] as const) if (c[k] !== undefined) query[k] = c[k] as string;
      const r = await get('/v1/analytics/events/trends', c.scope.org ? reader(c.scope.org) : admin(), query);
      expect(r.status).toBe(200);
      const events = select(c.scope, { eventType: c.eventType, from: c.from, to: c.to });
      const times = events.map((e) => Date.parse(e.timestamp));
      const fromMs = c.from ? Date.parse(c.from) : Math.min(...times);
      const toMs = c.to ? Date.parse(c.to) : Math.max(...times);
      const tz = c.timeZone ?? 'UTC';
      const counts = countBy(events, (e) => keyOf(Date.parse(e.timestamp), c.interval, tz));
      const keys = keysBetween(fromMs, toMs, c.interval, tz);
      expect(r.body.interval).toBe(c.interval);
      expect(Object.keys(r.body.trends)).toEqual(keys);
      expect(r.body.trends).toEqual(Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0])));
      expect(Object.values(r.body.trends as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(events.length);
      if (c.from) expect(Object.values(r.body.trends).some((n) => n === 0)).toBe(true);
    });

    it('labels weeks with ISO weeks of their Monday, across a year end', async () => {
      const r = await get('/v1/analytics/events/trends', reader(ORG_A), { interval: 'week', from: '2024-12-20', to: '2025-01-07' });
      expect(r.body).toEqual({ interval: 'week', trends: { '2024-W51': 0, '2024-W52': 0, '2025-W01': 0, '2025-W02': 0 } });
    });

    it('answers no buckets when nothing matches an open range', async () => {
      const r = await get('/v1/analytics/events/trends', reader(ORG_A), { eventType: 'NeverHappened' });
      expect(r.body).toEqual({ interval: 'day', trends: {} });
    });
  });

  describe('GET /v1/analytics/correlations/:correlationId', () => {
    const expectedTree = (events: StoredEvent[]) => {
      const ids = new Set(events.map((e) => e.eventId));
      return {
        roots: events.filter((e) => !e.causationId || !ids.has(e.causationId)).map((e) => e.eventId),
        nodes: events.map((e) => ({
          event: e,
          causedBy: e.causationId && ids.has(e.causationId) ? e.causationId : null,
          children: events.filter((c) => c.causationId === e.eventId).map((c) => c.eventId),
        })),
      };
    };

    it('gives an organization its events of the correlation with their causes and effects', async () => {
      const r = await get('/v1/analytics/correlations/corr-tree-1', reader(ORG_A));
      expect(r.status).toBe(200);
      const events = select({ org: ORG_A }).filter((e) => e.correlationId === 'corr-tree-1');
      expect(events).toHaveLength(4);
      expect(r.body).toEqual({ correlationId: 'corr-tree-1', total: 4, truncated: false, ...expectedTree(events) });
      expect(r.body.roots).toEqual([tree.e1.eventId]);
      expect(r.body.nodes[0]).toMatchObject({ causedBy: null, children: [tree.e2.eventId, tree.e3.eventId] });
    });

    it('shows admins the other organization’s effects too', async () => {
      const r = await get('/v1/analytics/correlations/corr-tree-1', admin());
      const events = all.filter((e) => e.correlationId === 'corr-tree-1');
      expect(r.body).toEqual({ correlationId: 'corr-tree-1', total: 5, truncated: false, ...expectedTree(events) });
      expect(r.body.nodes.find((n: { event: StoredEvent }) => n.event.eventId === tree.e2.eventId).children).toEqual([tree.e5.eventId]);
    });

    it('answers 404 ANALYTICS.CORRELATION_NOT_FOUND when none of its events is visible', async () => {
      const other = await get(`/v1/analytics/correlations/corr-tree-1`, reader('org-nobody'));
      expect(other.status).toBe(404);
      expect(other.body).toMatchObject({ error: 'ANALYTICS.CORRELATION_NOT_FOUND' });
      expect((await get('/v1/analytics/correlations/no-such-correlation', admin())).status).toBe(404);
    });
  });

  describe('GET /v1/analytics/search', () => {
    it('pages through more than 10,000 matches with the cursor, newest first, each event once', async () => {
      const seen: StoredEvent[] = [];
      let cursor: string | undefined;
      let total = -1;
      do {
        const r = await get('/v1/analytics/search', reader(ORG_A), { size: 1000, ...(cursor ? { cursor } : {}) });
        expect(r.status).toBe(200);
        total = r.body.total;
        seen.push(...r.body.events);
        cursor = r.body.nextCursor ?? undefined;
      } while (cursor);
      const expected = select({ org: ORG_A });
      expect(total).toBe(expected.length);
      expect(seen.map((e) => e.eventId).sort()).toEqual(expected.map((e) => e.eventId).sort());
      for (let i = 1; i < seen.length; i++) expect(seen[i - 1].timestamp >= seen[i].timestamp).toBe(true);
    });

    it('finds event data by free text with the filters', async () => {
      const q = {
        q: 'green',
        aggregateType: 'Thing',
        eventType: 'ThingChanged',
        from: '2024-10-24T00:00:00Z',
        to: '2024-10-30T00:00:00Z',
        size: 1000,
      };
      const r = await get('/v1/analytics/search', reader(ORG_B), q);
      expect(r.status).toBe(200);
      const expected = select({ org: ORG_B }, q).filter((e) => e.eventData.colour === 'green');
      expect(r.body.total).toBe(expected.length);
      expect(r.body.events.map((e: StoredEvent) => e.eventId).sort()).toEqual(expected.map((e) => e.eventId).sort());
    });
  });

  /** Average exact; percentiles are estimates, so each must fall among the values ranked around it. */
  const expectDurations = (got: { count: number; avg: number; p50: number; p95: number }, events: StoredEvent[]) => {
    const durations = events.map((e) => num(e, 'durationMs')).sort((a, b) => a - b);
    const n = durations.length;
    expect(got.count).toBe(n);
    expect(got.avg).toBeCloseTo(durations.reduce((a, b) => a + b, 0) / n, 6);
    for (const [p, value] of [
      [0.5, got.p50],
      [0.95, got.p95],
    ] as const) {
      const slack = Math.ceil(n * 0.02) + 1;
      expect(value).toBeGreaterThanOrEqual(durations[Math.max(0, Math.floor(p * (n - 1)) - slack)]);
      expect(value).toBeLessThanOrEqual(durations[Math.min(n - 1, Math.ceil(p * (n - 1)) + slack)]);
    }
  };

  describe('domain figures', () => {
    it('sums payment volume per currency and day exactly, formatted with each currency’s exponent', async () => {
      const q = { from: '2024-10-20', to: '2024-11-05', timeZone: 'Europe/Paris' };
      for (const scope of [{ org: ORG_A }, {}] as Scope[]) {
        const r = await get('/v1/analytics/payments/volume', scope.org ? reader(scope.org) : admin(), q);
        expect(r.status).toBe(200);
        const payments = select(scope, { eventType: 'PaymentProcessed', from: '2024-10-19T22:00:00Z', to: '2024-11-05T22:59:59.999Z' });
        const keys = keysBetween(Date.parse('2024-10-19T22:00:00Z'), Date.parse('2024-11-05T22:59:59.999Z'), 'day', 'Europe/Paris');
        const currencies: Record<string, unknown> = {};
        for (const currency of [...new Set(payments.map((e) => str(e, 'currency')))].sort()) {
          const mine = payments.filter((e) => str(e, 'currency') === currency);
          const fig = (es: StoredEvent[]) => {
            const minor = es.reduce((s, e) => s + num(e, 'amountMinor'), 0);
            return { payments: es.length, volume: money(minor, currency), volumeMinor: minor };
          };
          const series = Object.fromEntries(
            keys.map((k) => [k, fig(mine.filter((e) => keyOf(Date.parse(e.timestamp), 'day', 'Europe/Paris') === k))]),
          );
          currencies[currency] = { ...fig(mine), series };
        }
        expect(r.body).toEqual({ interval: 'day', currencies });
      }
      const r = await get('/v1/analytics/payments/volume', admin(), q);
      expect(r.body.currencies.ZZZ.volume).toBeNull();
      expect(r.body.currencies.JPY.volume).toMatch(/^\d+$/);
      expect(r.body.currencies.BHD.volume).toMatch(/^\d+\.\d{3}$/);
    });

    it('gives the refund ratio per currency from exact sums', async () => {
      for (const scope of [{ org: ORG_B }, {}] as Scope[]) {
        const r = await get('/v1/analytics/payments/refund-ratio', scope.org ? reader(scope.org) : admin());
        expect(r.status).toBe(200);
        const events = select(scope, { eventType: ['PaymentProcessed', 'PaymentRefunded'], aggregateType: 'Payment' });
        const currencies: Record<string, unknown> = {};
        for (const currency of [...new Set(events.map((e) => str(e, 'currency')))].sort()) {
          const paid = events.filter((e) => str(e, 'currency') === currency && e.eventType === 'PaymentProcessed');
          const refunds = events.filter((e) => str(e, 'currency') === currency && e.eventType === 'PaymentRefunded');
          const paidMinor = paid.reduce((s, e) => s + num(e, 'amountMinor'), 0);
          const refundedMinor = refunds.reduce((s, e) => s + num(e, 'amountMinor'), 0);
          currencies[currency] = {
            payments: paid.length,
            paid: money(paidMinor, currency),
            paidMinor,
            refunds: refunds.length,
            refunded: money(refundedMinor, currency),
            refundedMinor,
            ratio: Math.round((refundedMinor / paidMinor) * 1e6) / 1e6,
          };
        }
        expect(r.body).toEqual({ currencies });
      }
    });

    it('totals invoices per organization, billing month and currency', async () => {
      const q = { from: '2024-10-20T00:00:00Z', to: '2024-11-06T00:00:00Z' };
      for (const scope of [{ org: ORG_A }, {}] as Scope[]) {
        const r = await get('/v1/analytics/billing/totals', scope.org ? reader(scope.org) : admin(), q);
        expect(r.status).toBe(200);
        const events = select(scope, { eventType: ['InvoiceIssued', 'InvoiceVoided', 'InvoicePaymentApplied'], ...q });
        const organizations: Record<string, Record<string, Record<string, unknown>>> = {};
        for (const e of events) {
          const [org, period, currency] = [e.metadata.organizationId, str(e, 'period'), str(e, 'currency')];
          const same = events.filter(
            (x) => x.metadata.organizationId === org && str(x, 'period') === period && str(x, 'currency') === currency,
          );
          const sum = (es: StoredEvent[], f: string) => es.reduce((s, x) => s + num(x, f), 0);
          const issued = same.filter((x) => x.eventType === 'InvoiceIssued');
          const voided = same.filter((x) => x.eventType === 'InvoiceVoided' && str(x, 'previousStatus') === 'issued');
          const paid = same.filter((x) => x.eventType === 'InvoicePaymentApplied');
          const m = (minor: number) => ({ amount: money(minor, currency), amountMinor: minor });
          ((organizations[org] ??= {})[period] ??= {})[currency] = {
            issued: { invoices: issued.length, ...m(sum(issued, 'totalMinor')) },
            voided: { invoices: voided.length, ...m(sum(voided, 'totalMinor')) },
            net: m(sum(issued, 'totalMinor') - sum(voided, 'totalMinor')),
            paid: { payments: paid.length, ...m(sum(paid, 'amountMinor')) },
          };
        }
        expect(r.body).toEqual({ organizations });
        expect(Object.keys(r.body.organizations)).toEqual(scope.org ? [ORG_A] : [ORG_A, ORG_B]);
      }
    });

    it('gives step durations and failure rates per step kind, and workflow durations', async () => {
      for (const scope of [{ org: ORG_B }, {}] as Scope[]) {
        const r = await get('/v1/analytics/workflows/steps', scope.org ? reader(scope.org) : admin());
        expect(r.status).toBe(200);
        const events = select(scope, { eventType: ['WorkflowStepCompleted', 'WorkflowStepFailed'] });
        expect(Object.keys(r.body.stepKinds).sort()).toEqual([...new Set(events.map((e) => str(e, 'stepKind')))].sort());
        for (const kind of Object.keys(r.body.stepKinds)) {
          const completed = events.filter((e) => str(e, 'stepKind') === kind && e.eventType === 'WorkflowStepCompleted');
          const failed = events.filter((e) => str(e, 'stepKind') === kind && e.eventType === 'WorkflowStepFailed');
          const got = r.body.stepKinds[kind];
          expect(got).toMatchObject({
            steps: completed.length + failed.length,
            completed: completed.length,
            failed: failed.length,
            failureRate: Math.round((failed.length / (completed.length + failed.length)) * 1e6) / 1e6,
          });
          expect(failed.length).toBeGreaterThan(0);
          expectDurations(got.durationMs, completed);
        }
        const workflows = select(scope, { eventType: 'WorkflowCompleted' });
        expect(r.body.workflows.completed).toBe(workflows.length);
        expectDurations(r.body.workflows.durationMs, workflows);
      }
    });
  });

  describe('when the parameters are invalid', () => {
    it.each([
      ['/v1/analytics/events/trends', { interval: 'year' }, 'ValidationError', 'interval'],
      ['/v1/analytics/events/statistics', { timeZone: 'Mars/Olympus_Mons' }, 'ValidationError', 'timeZone'],
      ['/v1/analytics/events/statistics', { from: 'last tuesday' }, 'ValidationError', 'from'],
      ['/v1/analytics/events/statistics', { from: '2024-12-19T10:00:00' }, 'ValidationError', 'from'],
      ['/v1/analytics/events/trends', { interval: 'hour', from: '2023-01-01', to: '2024-12-31' }, 'ANALYTICS.TOO_MANY_BUCKETS', 'interval'],
      [
        '/v1/analytics/payments/volume',
        { interval: 'hour', from: '2020-01-01', to: '2024-12-31' },
        'ANALYTICS.TOO_MANY_BUCKETS',
        'interval',
      ],
      ['/v1/analytics/search', { from: '2024-13-01' }, 'ValidationError', 'from'],
    ])('answers %s %j with 400 %s naming %s', async (path, query, code, field) => {
      const r = await get(path, reader(ORG_A), query);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: code, message: expect.any(String), details: [expect.objectContaining({ field })] });
    });

    it('answers a range whose from is after its to with empty figures: an empty range matches nothing', async () => {
      const inverted = { from: '2024-11-02', to: '2024-11-01' };
      const trends = await get('/v1/analytics/events/trends', reader(ORG_A), inverted);
      expect(trends.status).toBe(200);
      expect(trends.body).toEqual({ interval: 'day', trends: {} });
      expect((await get('/v1/analytics/billing/totals', reader(ORG_A), inverted)).body).toEqual({ organizations: {} });
      expect((await get('/v1/analytics/search', reader(ORG_A), inverted)).body).toEqual({ total: 0, events: [], nextCursor: null });
    });

    it('refuses unknown parameters and a bad cursor with 400, and callers without a token with 401', async () => {
      expect((await get('/v1/analytics/events/statistics', reader(ORG_A), { colour: 'red' })).body).toMatchObject({
        error: 'ValidationError',
      });
      expect((await get('/v1/analytics/search', reader(ORG_A), { cursor: 'bm90LW91cnM' })).body).toMatchObject({ error: 'InvalidQuery' });
      expect((await t.http().get('/v1/analytics/events/statistics')).status).toBe(401);
    });
  });
});
