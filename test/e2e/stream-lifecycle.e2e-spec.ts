import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

describe('Stream lifecycle over HTTP (admin)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('stream-lifecycle');
  });
  afterAll(async () => t.close());

  const admin = () => t.auth('org-a', ['admin', 'writer', 'reader']);
  const writer = () => t.auth('org-a', ['writer', 'reader']);
  const append = (id: string, expectedVersion: unknown = 'any') =>
    t
      .http()
      .post(`/v1/aggregates/${id}/events`)
      .set(writer())
      .send({ aggregateType: 'Thing', expectedVersion, events: [{ eventType: 'Happened', eventData: { id } }] });

  describe('when a writer without the admin role tries a lifecycle change', () => {
    it('answers 403 and changes nothing', async () => {
      const id = `guarded-${randomUUID()}`;
      expect((await append(id)).status).toBe(201);
      const r = await t.http().delete(`/v1/aggregates/${id}`).query({ mode: 'hard', reason: 'x' }).set(writer());
      expect(r.status).toBe(403);
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(writer())).status).toBe(200);
    });
  });

  describe('when an admin soft-deletes, then restores a stream', () => {
    it('hides it (404), then shows it again, with its state in the metadata', async () => {
      const id = `soft-${randomUUID()}`;
      expect((await append(id)).status).toBe(201);
      const del = await t.http().delete(`/v1/aggregates/${id}`).query({ mode: 'soft', reason: 'cleanup' }).set(admin());
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({ aggregateId: id, deleted: 'soft', version: 1, firstVisibleVersion: 2 });
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(writer())).status).toBe(404);
      const restored = await t.http().post(`/v1/aggregates/${id}/restore`).set(admin()).send({ reason: 'mistake' });
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ deleted: null, firstVisibleVersion: 1 });
      expect((await t.http().get(`/v1/aggregates/${id}/events`).set(writer())).body.events).toHaveLength(1);
    });
  });

  describe('when an admin hard-deletes a stream', () => {
    it('answers 410 StreamDeleted to later writes, in the error shape', async () => {
      const id = `hard-${randomUUID()}`;
      expect((await append(id)).status).toBe(201);
      expect((await t.http().delete(`/v1/aggregates/${id}`).query({ mode: 'hard', reason: 'erasure' }).set(admin())).status).toBe(200);
      const r = await append(id);
      expect(r.status).toBe(410);
      expect(r.body).toEqual({ error: 'StreamDeleted', message: expect.any(String) });
    });
  });

  describe('when an admin sets retention and scavenges', () => {
    it('reads honour it at once and the scavenge answers what it freed', async () => {
      const id = `ret-${randomUUID()}`;
      for (let i = 0; i < 3; i++) expect((await append(id)).status).toBe(201);
      const r = await t.http().put(`/v1/aggregates/${id}/retention`).set(admin()).send({ maxCount: 1, reason: 'keep the last' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ retention: { maxCount: 1 }, firstVisibleVersion: 3 });
      expect(
        (await t.http().get(`/v1/aggregates/${id}/events`).set(writer())).body.events.map((e: { version: number }) => e.version),
      ).toEqual([3]);
      const s = await t.http().post('/v1/admin/scavenge').set(admin());
      expect(s.status).toBe(200);
      expect(s.body.eventsRemoved).toBeGreaterThanOrEqual(2);
    });
  });

  describe('when the input is bad', () => {
    it('answers 400 ValidationError and records nothing', async () => {
      const id = `bad-${randomUUID()}`;
      expect((await append(id)).status).toBe(201);
      const noReason = await t.http().delete(`/v1/aggregates/${id}`).query({ mode: 'soft' }).set(admin());
      expect(noReason.status).toBe(400);
      expect(noReason.body.error).toBe('ValidationError');
      const badCount = await t.http().put(`/v1/aggregates/${id}/retention`).set(admin()).send({ maxCount: 0, reason: 'x' });
      expect(badCount.status).toBe(400);
      const meta = await t.http().get(`/v1/aggregates/${id}/metadata`).set(writer());
      expect(meta.body).toMatchObject({ deleted: null, retention: {} });
    });
  });

  describe('when an admin erases a data subject', () => {
    it("answers the report, asks every projection to rebuild, and the subject's personal data reads as erased", async () => {
      const subject = `subject-${randomUUID()}`;
      const id = `acct-${randomUUID()}`;
      const e = await t
        .http()
        .post(`/v1/aggregates/${id}/events`)
        .set(writer())
        .send({
          aggregateType: 'Account',
          expectedVersion: 'no_stream',
          events: [
            { eventType: 'Registered', eventData: { plan: 'pro' }, personal: { subjectId: subject, data: { email: 'z@example.org' } } },
          ],
        });
      expect(e.status).toBe(201);
      const r = await t.http().post(`/v1/admin/subjects/${subject}/erase`).set(admin()).send({ reason: 'GDPR request' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ keyDeleted: true, streamsAffected: 1, subjectHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(r.body.rebuildsRequested.length).toBeGreaterThan(0);
      const s = await t.http().get(`/v1/aggregates/${id}/events`).set(writer());
      expect(s.body.events[0].personal).toEqual({ subjectId: subject, data: null, erased: true });
      expect((await t.http().post(`/v1/admin/subjects/${subject}/erase`).set(writer()).send({ reason: 'x' })).status).toBe(403);
    });
  });
});
