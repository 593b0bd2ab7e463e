import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

// The service as configured by default: THROTTLE_LIMIT and THROTTLE_EXPENSIVE_LIMIT unset (empty counts as unset,
// overriding the test support's THROTTLE_EXPENSIVE_LIMIT=0).
const DEFAULTS = { THROTTLE_LIMIT: '', THROTTLE_EXPENSIVE_LIMIT: '' };

const WRITERS = 16;
// More than the old default (1,000 requests a minute per caller and route) within its window, so this fails on it.
const APPENDS_PER_WRITER = 72;

describe('Rate limits under the default configuration (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('rate-limit', DEFAULTS);
  });
  afterAll(async () => t.close());

  describe('when 16 concurrent writers of one internal client append as fast as they can', () => {
    it('never answers 429: every append is stored', async () => {
      const auth = t.auth('org-rate', ['writer'], 'svc-orchestrator');
      const statuses = new Map<number, number>();
      const started = Date.now();
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          for (let i = 0; i < APPENDS_PER_WRITER; i++) {
            const r = await t
              .http()
              .post(`/v1/aggregates/rate-${w}-${randomUUID()}/events`)
              .set(auth)
              .send({ aggregateType: 'Rate', expectedVersion: 'no_stream', events: [{ eventType: 'Written', eventData: { w, i } }] });
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          }
        }),
      );
      const elapsedMs = Date.now() - started;

      expect(Object.fromEntries(statuses)).toEqual({ 201: WRITERS * APPENDS_PER_WRITER });
      // Within one window of the old limit, or the test would prove nothing about it.
      expect(elapsedMs).toBeLessThan(60_000);
    }, 120_000);
  });

  describe('when one caller keeps requesting projection rebuilds (an expensive operation)', () => {
    it('answers 429 with Retry-After past THROTTLE_EXPENSIVE_LIMIT (10 a minute), for that caller and route only', async () => {
      const admin = t.auth('org-rate', ['admin'], 'ops-script');
      const list = await t.http().get('/v1/projections').set(admin).expect(200);
      const name = (list.body as { name: string }[])[0]?.name;
      expect(name).toEqual(expect.any(String));

      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await t.http().post(`/v1/projections/${name}/rebuild`).set(admin)).status);
      expect(statuses).toEqual([...Array<number>(10).fill(202), 429]);

      const limited = await t.http().post(`/v1/projections/${name}/rebuild`).set(admin).expect(429);
      expect(limited.body).toMatchObject({ error: 'TooManyRequests' });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      await t.http().get('/v1/projections').set(admin).expect(200);
      await t
        .http()
        .post(`/v1/projections/${name}/rebuild`)
        .set(t.auth('org-rate', ['admin'], 'another-admin'))
        .expect(202);
    });
  });
});
