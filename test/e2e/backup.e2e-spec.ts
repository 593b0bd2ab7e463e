import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/e2e-app';

/** Backups over HTTP for operators: start, follow, list, check; admin only, each store sees its own backups. */
describe('Backups over HTTP (admin)', () => {
  let t: TestApp;
  let other: TestApp;
  const snapshot = `e2e-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    t = await startTestApp('backup');
    other = await startTestApp('backup-other');
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  const admin = () => t.auth('org-a', ['admin', 'writer', 'reader'], 'ops-1');
  const writer = () => t.auth('org-a', ['writer', 'reader']);

  /** Follows a job until it leaves `running` (each poll is a real request; no timing is asserted). */
  async function finished(jobId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 1200; i++) {
      const r = await t.http().get(`/v1/admin/backup-jobs/${jobId}`).set(admin());
      expect(r.status).toBe(200);
      if (r.body.state !== 'running') return r.body as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${jobId} still running after 1200 polls`);
  }

  describe('when a caller without the admin role tries the backup endpoints', () => {
    it('answers 403 to each, in the error shape, and starts nothing', async () => {
      const jobId = randomUUID();
      const calls = [
        t
          .http()
          .post('/v1/admin/backups')
          .set(writer())
          .send({ snapshot: `denied-${randomUUID().slice(0, 8)}` }),
        t.http().get('/v1/admin/backups').set(writer()),
        t.http().get(`/v1/admin/backups/${snapshot}`).set(writer()),
        t.http().post(`/v1/admin/backups/${snapshot}/check`).set(writer()),
        t.http().get(`/v1/admin/backup-jobs/${jobId}`).set(writer()),
      ];
      for (const r of await Promise.all(calls)) {
        expect(r.status).toBe(403);
        expect(r.body).toEqual({ error: 'Forbidden', message: expect.any(String) });
      }
      expect((await t.http().get('/v1/admin/backups').set(admin())).body.backups).toEqual([]);
    });
  });

  describe('when an admin backs the store up, then checks the backup', () => {
    it('takes a consistent snapshot with progress, lists it for this store only, and the check restores a sound copy', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await t
          .http()
          .post(`/v1/aggregates/backup-${i}/events`)
          .set(writer())
          .send({
            aggregateType: 'Thing',
            expectedVersion: 'any',
            events: [
              { eventType: 'Happened', eventData: { i } },
              { eventType: 'Again', eventData: {} },
            ],
          });
        expect(r.status).toBe(201);
      }
      const started = await t.http().post('/v1/admin/backups').set(admin()).send({ snapshot });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ kind: 'backup', snapshot, state: 'running', progress: expect.any(Array) });
      // One job at a time: a second backup while this one runs is refused (or finds the name taken once it ended).
      const again = await t.http().post('/v1/admin/backups').set(admin()).send({ snapshot });
      expect(again.status).toBe(409);
      expect(['BACKUP.JOB_RUNNING', 'BACKUP.SNAPSHOT_EXISTS']).toContain(again.body.error);

      const backup = await finished(started.body.id);
      expect(backup).toMatchObject({ state: 'succeeded', finishedAt: expect.any(String) });
      const result = backup.backup as { counter: number; logHead: number; indices: string[] };
      expect(result.counter).toBeGreaterThanOrEqual(10);
      expect(result.logHead).toBe(result.counter);
      expect(result.indices).toEqual(expect.arrayContaining([`${t.prefix}-events`, `${t.prefix}-log`, `${t.prefix}-streams`]));
      expect((backup.progress as string[]).some((l) => l.includes('writes resumed'))).toBe(true);

      const list = await t.http().get('/v1/admin/backups').set(admin());
      expect(list.status).toBe(200);
      expect(list.body.backups).toEqual([
        expect.objectContaining({ snapshot, prefix: t.prefix, state: 'SUCCESS', counter: result.counter }),
      ]);
      const one = await t.http().get(`/v1/admin/backups/${snapshot}`).set(admin());
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ snapshot, prefix: t.prefix, state: 'SUCCESS' });
      const taken = await t.http().post('/v1/admin/backups').set(admin()).send({ snapshot });
      expect(taken.status).toBe(409);
      expect(taken.body.error).toBe('BACKUP.SNAPSHOT_EXISTS');

      const check = await t.http().post(`/v1/admin/backups/${snapshot}/check`).set(admin());
      expect(check.status).toBe(202);
      const checked = await finished(check.body.id);
      expect(checked).toMatchObject({ kind: 'check', snapshot, state: 'succeeded' });
      const report = checked.check as { ok: boolean; events: number; streams: number; items: { name: string; ok: boolean }[] };
      expect(report.ok).toBe(true);
      expect(report.items.map((i) => [i.name, i.ok])).toEqual([
        ['indices', true],
        ['counter', true],
        ['replay', true],
        ['heads', true],
      ]);
      expect(report.events).toBe(result.counter);
      // The scratch copy is gone, and the store itself is untouched and writable.
      const scratch = /as "(backup-check-[0-9a-f]+)"/.exec((checked.progress as string[]).join('\n'))?.[1];
      expect(scratch).toBeDefined();
      expect(Object.keys(await t.es.indices.get({ index: `${scratch}-*`, allow_no_indices: true }))).toEqual([]);
      // ...and so are the index templates the copy was given (each check left six behind in the cluster's state).
      const templates = await t.es.indices.getIndexTemplate({ name: `${scratch}-*` }).catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404) return { index_templates: [] }; // none matches the pattern
        throw e;
      });
      expect(templates.index_templates.map((x) => x.name)).toEqual([]);
      const read = await t.http().get('/v1/aggregates/backup-0/events').set(writer());
      expect(read.body.events.map((e: { eventType: string }) => e.eventType)).toEqual(['Happened', 'Again']);
      expect(
        (
          await t
            .http()
            .post('/v1/aggregates/backup-0/events')
            .set(writer())
            .send({ aggregateType: 'Thing', expectedVersion: 2, events: [{ eventType: 'After', eventData: {} }] })
        ).status,
      ).toBe(201);

      // Another store on the same cluster and repository neither lists nor checks this store's backup.
      const otherAdmin = other.auth('org-a', ['admin'], 'ops-2');
      expect((await other.http().get('/v1/admin/backups').set(otherAdmin)).body.backups).toEqual([]);
      const foreign = await other.http().get(`/v1/admin/backups/${snapshot}`).set(otherAdmin);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error).toBe('BACKUP.NOT_FOUND');
      expect((await other.http().post(`/v1/admin/backups/${snapshot}/check`).set(otherAdmin)).status).toBe(404);
      // Jobs belong to the instance that runs them.
      expect((await other.http().get(`/v1/admin/backup-jobs/${started.body.id}`).set(otherAdmin)).status).toBe(404);
    });
  });

  describe('when the input is bad or names nothing', () => {
    it('answers 400 ValidationError or 404 in the error shape, never 5xx', async () => {
      const bad = await t.http().post('/v1/admin/backups').set(admin()).send({ snapshot: 'Not A Name' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'ValidationError', details: [expect.objectContaining({ field: 'snapshot' })] });
      const extra = await t
        .http()
        .post('/v1/admin/backups')
        .set(admin())
        .send({ snapshot: 'ok-name', indices: ['*'] });
      expect(extra.status).toBe(400);
      expect((await t.http().get('/v1/admin/backups/UPPER').set(admin())).status).toBe(400);
      expect((await t.http().get('/v1/admin/backup-jobs/not-a-uuid').set(admin())).status).toBe(400);
      const missingJob = await t.http().get(`/v1/admin/backup-jobs/${randomUUID()}`).set(admin());
      expect(missingJob.status).toBe(404);
      expect(missingJob.body.error).toBe('BACKUP.JOB_NOT_FOUND');
      const missing = await t.http().post('/v1/admin/backups/no-such-backup/check').set(admin());
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'BACKUP.NOT_FOUND', message: expect.any(String) });
    });
  });
});
