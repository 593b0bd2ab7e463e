import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

describe('Two service instances sharing one event store', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const prefix = `test-two-${randomUUID().slice(0, 8)}`;
    // Started at once: index set-up runs concurrently in both and must converge.
    [a, b] = await Promise.all([
      startTestApp('two', { ES_INDEX_PREFIX: prefix }),
      startTestApp('two', { ES_INDEX_PREFIX: prefix }, { keepIndices: true }),
    ]);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  describe('when 16 HTTP writers split across both race on a few streams', () => {
    it('keeps versions gapless, stores every acknowledged event once at its acknowledged version, and none of the refused ones', async () => {
      const streams = Array.from({ length: 3 }, () => `hot-${randomUUID()}`);
      const acked = new Map<string, number>();
      const refused: string[] = [];
      const writerLoop = async (w: number) => {
        const t = w % 2 === 0 ? a : b;
        const auth = t.auth('org-race', ['writer', 'reader']);
        for (let i = 0; i < 12; i++) {
          const id = streams[(w + i) % streams.length];
          const s = await t.http().get(`/v1/aggregates/${id}/events`).query({ maxCount: 1, direction: 'backward' }).set(auth);
          const expectedVersion = s.status === 404 ? 'no_stream' : s.body.version;
          const events = Array.from({ length: 1 + ((w + i) % 3) }, () => ({
            eventId: randomUUID(),
            eventType: 'Raced',
            eventData: { w, i },
          }));
          const r = await t.http().post(`/v1/aggregates/${id}/events`).set(auth).send({ aggregateType: 'Race', expectedVersion, events });
          if (r.status === 201) events.forEach((e, k) => acked.set(e.eventId, r.body.fromVersion + k));
          else {
            expect(r.status).toBe(409);
            expect(r.body.error).toBe('WrongExpectedVersion');
            refused.push(...events.map((e) => e.eventId));
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => writerLoop(w)));
      const stored = new Map<string, number>();
      for (const id of streams) {
        const s = await a
          .http()
          .get(`/v1/aggregates/${id}/events`)
          .query({ maxCount: 10000 })
          .set(a.auth('org-race', ['reader']));
        expect(s.body.events.map((e: { version: number }) => e.version)).toEqual(Array.from({ length: s.body.version }, (_, i) => i + 1));
        for (const e of s.body.events) stored.set(e.eventId, e.version);
      }
      expect(acked.size).toBeGreaterThan(20);
      expect(refused.length).toBeGreaterThan(0);
      expect(stored.size).toBe(acked.size);
      for (const [eventId, version] of acked) expect(stored.get(eventId)).toBe(version);
      for (const eventId of refused) expect(stored.has(eventId)).toBe(false);
    }, 120_000);
  });
});
