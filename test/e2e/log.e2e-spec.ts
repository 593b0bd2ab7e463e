import { randomUUID } from 'node:crypto';
import { LogStreamHub } from '../../src/modules/log/stream/log-stream.hub';
import { startTestApp, type TestApp } from '../support/e2e-app';
import { baseUrlOf, SseClient } from '../support/sse-client';

interface LoggedEvent {
  eventId: string;
  position: number;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  metadata: { organizationId: string };
}

/**
 * Another service following the log: GET /v1/log pages and the GET /v1/log/stream live tail (Server-Sent Events),
 * against the whole application and a real Elasticsearch. Stream buffers are small here (50 events) so that a client
 * that stops reading is dropped after a few megabytes, not a few hundred.
 */
describe('Following the log over HTTP (e2e)', () => {
  let t: TestApp;
  let base: string;
  const streams: SseClient[] = [];
  const BUFFER = 50;

  beforeAll(async () => {
    t = await startTestApp('log', { LOG_STREAM_BUFFER_EVENTS: String(BUFFER), LOG_STREAM_HEARTBEAT_MS: '200' });
    base = await baseUrlOf(t.app);
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await t.close();
  });

  const admin = () => t.auth('ops', ['admin']);

  async function append(org: string, aggregateId: string, events: { eventType: string; eventData?: object }[], aggregateType = 'Thing') {
    const r = await t
      .http()
      .post(`/v1/aggregates/${aggregateId}/events`)
      .set(t.auth(org, ['writer']))
      .send({ aggregateType, expectedVersion: 'any', events: events.map((e) => ({ eventData: {}, ...e })) });
    expect(r.status).toBe(201);
    return r.body as { position: number; fromVersion: number; version: number };
  }

  async function head(): Promise<number> {
    const r = await t.http().get('/v1/log').query({ limit: 1 }).set(admin());
    expect(r.status).toBe(200);
    return r.body.head as number;
  }

  /** Every event after `after` the caller may see with these filters, read page by page to the head. */
  async function readAll(
    auth: Record<string, string>,
    query: Record<string, unknown>,
    after: number,
    limit: number,
  ): Promise<{ events: LoggedEvent[]; pages: number }> {
    const events: LoggedEvent[] = [];
    let pages = 0;
    for (let checkpoint = after; ;) {
      const r = await t
        .http()
        .get('/v1/log')
        .query({ ...query, after: checkpoint, limit })
        .set(auth);
      expect(r.status).toBe(200);
      pages++;
      events.push(...r.body.events);
      expect(r.body.checkpoint).toBeGreaterThanOrEqual(checkpoint);
      checkpoint = r.body.checkpoint;
      if (checkpoint >= r.body.head) return { events, pages };
    }
  }

  async function stream(
    query: Record<string, string | number | string[]>,
    org: string,
    extra: Record<string, string> = {},
    roles = ['reader'],
  ) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, String(x));
    const s = await SseClient.connect(`${base}/v1/log/stream?${qs}`, {
      Authorization: `Bearer ${t.token(org, roles as never)}`,
      ...extra,
    });
    streams.push(s);
    return s;
  }

  describe('GET /v1/log', () => {
    it('gives an organization its own events in position order, with a checkpoint past other organizations’ events', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const a1 = await append('org-a', `a-${tag}`, [{ eventType: 'One' }, { eventType: 'Two' }]);
      const b1 = await append('org-b', `b-${tag}`, [{ eventType: 'One' }]);
      const a2 = await append('org-a', `a-${tag}`, [{ eventType: 'Three' }]);

      const pageA = await t.http().get('/v1/log').query({ after: before }).set(t.auth('org-a'));
      expect(pageA.status).toBe(200);
      expect(pageA.body.events.map((e: LoggedEvent) => [e.position, e.eventType])).toEqual([
        [a1.position - 1, 'One'],
        [a1.position, 'Two'],
        [a2.position, 'Three'],
      ]);
      expect(pageA.body).toMatchObject({ checkpoint: a2.position, head: a2.position });

      const pageB = await t.http().get('/v1/log').query({ after: before }).set(t.auth('org-b'));
      expect(pageB.body.events.map((e: LoggedEvent) => e.position)).toEqual([b1.position]);
      expect(pageB.body.checkpoint).toBe(a2.position);

      const all = await t.http().get('/v1/log').query({ after: before }).set(admin());
      expect(all.body.events.map((e: LoggedEvent) => e.metadata.organizationId)).toEqual(['org-a', 'org-a', 'org-b', 'org-a']);
    });

    it('filters on the server by event types, aggregate type and aggregate id prefix, paging without a gap or a duplicate', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      for (let i = 0; i < 12; i++) {
        await append(
          'org-f',
          `${i % 3 === 0 ? 'inv' : 'pay'}-${tag}-${i % 4}`,
          [{ eventType: ['Opened', 'Paid', 'Closed'][i % 3] }],
          i % 2 ? 'Payment' : 'Invoice',
        );
      }
      const everything = (await readAll(t.auth('org-f'), {}, before, 1000)).events;
      expect(everything).toHaveLength(12);
      const cases: [Record<string, unknown>, (e: LoggedEvent) => boolean][] = [
        [{ eventType: ['Paid', 'Closed'] }, (e) => e.eventType === 'Paid' || e.eventType === 'Closed'],
        [{ eventType: 'Opened' }, (e) => e.eventType === 'Opened'],
        [{ aggregateType: 'Payment' }, (e) => e.aggregateType === 'Payment'],
        [{ aggregateIdPrefix: `pay-${tag}-1` }, (e) => e.aggregateId.startsWith(`pay-${tag}-1`)],
        [{ eventType: 'Paid', aggregateType: 'Invoice' }, (e) => e.eventType === 'Paid' && e.aggregateType === 'Invoice'],
      ];
      for (const [query, keep] of cases) {
        const expected = everything.filter(keep).map((e) => e.eventId);
        expect(expected.length).toBeGreaterThan(0);
        const { events, pages } = await readAll(t.auth('org-f'), query, before, 2);
        expect(events.map((e) => e.eventId)).toEqual(expected);
        // Pages of 2 matching events, plus the last one that reaches the head: a sparse filter does not rescan.
        expect(pages).toBeLessThanOrEqual(Math.ceil(expected.length / 2) + 1);
      }
    });

    it('refuses malformed paging and filters with 400 ValidationError, and answers 401 without a token', async () => {
      for (const query of [
        { limit: 0 },
        { limit: 1001 },
        { after: -1 },
        { after: '1.5' },
        { aggregateIdPrefix: '-x' },
        { aggregateType: '9' },
      ]) {
        const r = await t.http().get('/v1/log').query(query).set(t.auth('org-a'));
        expect({ query, status: r.status, error: r.body.error }).toEqual({ query, status: 400, error: 'ValidationError' });
      }
      expect((await t.http().get('/v1/log')).status).toBe(401);
      expect((await t.http().get('/v1/log/stream')).status).toBe(401);
    });
  });

  describe('GET /v1/log/stream', () => {
    it('catches up from `after`, then follows live events, with no gap and no duplicate at the switch', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const backlog = [];
      for (let i = 0; i < 8; i++) backlog.push(await append('org-s', `s-${tag}`, [{ eventType: 'Backlog', eventData: { i } }]));
      // Appends go on while the stream catches up and switches to the live tail.
      const live = (async () => {
        const out = [];
        for (let i = 0; i < 25; i++) out.push(await append('org-s', `s-${tag}`, [{ eventType: 'Live', eventData: { i } }]));
        return out;
      })();
      const s = await stream({ after: before }, 'org-s');
      expect(s.status).toBe(200);
      expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(s.headers['cache-control']).toContain('no-transform');
      expect(s.headers['x-accel-buffering']).toBe('no');
      const written = [...backlog, ...(await live)].map((r) => r.position);
      await s.waitFor(() => s.events().length >= written.length, 'every event');
      expect(s.events().map((e) => e.position)).toEqual(written);
      expect(s.messages.filter((m) => m.event === 'message').map((m) => Number(m.id))).toEqual(written);
      expect(
        t.app
          .get(LogStreamHub)
          .stats()
          .streams.find((x) => x.organizationId === 'org-s')?.mode,
      ).toBe('live');
    });

    it('resumes after Last-Event-ID, which takes precedence over `after`', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const written = [];
      for (let i = 0; i < 6; i++) written.push((await append('org-r', `r-${tag}`, [{ eventType: 'E', eventData: { i } }])).position);
      const s = await stream({ after: before }, 'org-r', { 'Last-Event-ID': String(written[2]) });
      await s.waitFor(() => s.events().length >= 3, 'the events after the id');
      expect(s.events().map((e) => e.position)).toEqual(written.slice(3));
    });

    it('tells a client with a sparse filter how far it has looked, and sends heartbeats when idle', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const s = await stream({ after: before, eventType: 'Rare' }, 'org-h');
      let last = 0;
      for (let i = 0; i < 5; i++) last = (await append('org-h', `h-${tag}`, [{ eventType: 'Common' }])).position;
      await s.waitFor(() => s.named('checkpoint').some((m) => Number(m.id) >= last), 'a checkpoint past the filtered-out events');
      expect(JSON.parse(s.named('checkpoint').at(-1)!.data).checkpoint).toBeGreaterThanOrEqual(last);
      expect(s.events()).toEqual([]);
      await s.waitFor(() => s.comments > 0, 'a heartbeat');
      const rare = await append('org-h', `h-${tag}`, [{ eventType: 'Rare' }]);
      await s.waitFor(() => s.events().length === 1, 'the matching event');
      expect(s.events()[0].position).toBe(rare.position);
    });

    it('shows an organization only its own events', async () => {
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const b = await stream({ after: before }, 'org-y');
      const everyone = await stream({ after: before }, 'ops', {}, ['admin']);
      await append('org-x', `x-${tag}`, [{ eventType: 'Secret' }]);
      const mine = await append('org-y', `y-${tag}`, [{ eventType: 'Mine' }]);
      await b.waitFor(() => b.events().length >= 1, 'its own event');
      await everyone.waitFor(() => everyone.events().length >= 2, 'both events');
      expect(b.events().map((e) => e.position)).toEqual([mine.position]);
      expect(everyone.events().map((e) => e.eventType)).toEqual(['Secret', 'Mine']);
    });

    it('refuses a malformed Last-Event-ID with 400 ValidationError', async () => {
      const s = await stream({}, 'org-a', { 'Last-Event-ID': 'yesterday' });
      expect(s.status).toBe(400);
      expect(JSON.parse((await s.body) ?? '{}')).toMatchObject({ error: 'ValidationError' });
    });
  });

  describe('when one of three live clients stops reading', () => {
    it('keeps at most the buffer for it and drops it, never holds back the others, and the dropped one resumes without loss', async () => {
      const hub = t.app.get(LogStreamHub);
      const before = await head();
      const tag = randomUUID().slice(0, 8);
      const fast = [
        await stream({ after: before, aggregateIdPrefix: `big-${tag}` }, 'org-big', { 'x-correlation-id': `fast-1-${tag}` }),
        await stream({ after: before, aggregateIdPrefix: `big-${tag}` }, 'org-big', { 'x-correlation-id': `fast-2-${tag}` }),
      ];
      const slow = await stream({ after: before, aggregateIdPrefix: `big-${tag}` }, 'org-big', { 'x-correlation-id': `slow-${tag}` });
      slow.pause();
      const mine = () => [...hub.stats().streams, ...hub.stats().closed].filter((s) => s.label.endsWith(tag));
      const slowStats = () => mine().find((s) => s.label === `slow-${tag}`);

      // Appends of 20 events of 16 KB until the slow client's socket and then its buffer are full.
      const payload = 'x'.repeat(16_000);
      const written: number[] = [];
      for (let round = 0; round < 200 && !slowStats()?.dropped; round++) {
        const r = await append(
          'org-big',
          `big-${tag}-${round}`,
          Array.from({ length: 20 }, (_, i) => ({ eventType: 'Big', eventData: { i, payload } })),
        );
        for (let p = r.position - 19; p <= r.position; p++) written.push(p);
        await fast[0].waitFor(() => fast[0].events().length === written.length, 'the fast client to keep up');
      }
      expect(slowStats()).toMatchObject({ dropped: true, maxBuffered: BUFFER });

      // The fast clients got everything while the slow one still was not reading, and were never dropped.
      for (const f of fast) {
        await f.waitFor(() => f.events().length === written.length, 'every event at a fast client');
        expect(f.events().map((e) => e.position)).toEqual(written);
      }
      for (const s of mine()) expect(s.maxBuffered).toBeLessThanOrEqual(BUFFER);
      expect(
        mine()
          .filter((s) => s.dropped)
          .map((s) => s.label),
      ).toEqual([`slow-${tag}`]);
      expect(slow.events().length).toBeLessThan(written.length);

      // The slow client reads what reached it, learns where it stands, and resumes from its last id.
      slow.resume();
      await slow.done;
      const [dropped] = slow.named('dropped');
      const got = slow.events().map((e) => e.position);
      expect(JSON.parse(dropped.data)).toMatchObject({ reason: 'slow consumer', lastEventId: got.at(-1) ?? before });
      const resumed = await stream({ aggregateIdPrefix: `big-${tag}` }, 'org-big', { 'Last-Event-ID': String(got.at(-1) ?? before) });
      await resumed.waitFor(() => got.length + resumed.events().length >= written.length, 'the rest after resuming');
      expect([...got, ...resumed.events().map((e) => e.position)]).toEqual(written);
      console.info(
        `slow SSE client: dropped after ${got.length} of ${written.length} events (${BUFFER} buffered at most), resumed with ${resumed.events().length}`,
      );
    });
  });
});
