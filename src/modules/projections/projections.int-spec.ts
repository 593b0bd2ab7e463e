import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { EVENT_STORE, type EventStore, type StoredEvent, type WriteContext } from '@gyroscops/event-store';
import {
  ApiMinPosition,
  MinPosition,
  ProjectionEngine,
  ProjectionsModule,
  ReadModels,
  type ProjectionDefinition,
} from '@gyroscops/projections';
import { AppModule } from '../../app.module';
import { createApp } from '../../app.factory';
import { Roles } from '../../auth/access.decorators';
import { signTokenForConfig } from '../../auth/dev-token';
import { AppConfig } from '../../config/app-config';
import { loadConfig } from '../../config/load-config';
import { runProjectionsCli } from './projections.cli';
import { ProjectionsAdminModule } from './projections-admin.module';

interface Note {
  noteId: string;
  text: string;
  edits: number;
}

const notes: ProjectionDefinition<Note> = {
  name: 'notes',
  version: 1,
  eventTypes: ['NoteWritten', 'NoteEdited'],
  idOf: (e: StoredEvent) => e.aggregateId,
  evolve: (doc, e) => ({ noteId: e.aggregateId, text: String(e.eventData.text), edits: doc ? doc.edits + 1 : 0 }),
  mappings: { properties: { noteId: { type: 'keyword' }, text: { type: 'keyword' } } },
};

const brittle: ProjectionDefinition<{ n: number }> = {
  name: 'brittle',
  version: 1,
  eventTypes: ['Poison'],
  idOf: (e) => e.aggregateId,
  evolve: () => {
    throw new Error('brittle cannot take Poison');
  },
};

/** A read endpoint backed by a projection, as domain modules write them. */
@Controller('test/notes')
class NotesController {
  constructor(private readonly readModels: ReadModels) {}

  @Get(':id')
  @Roles('reader')
  @ApiMinPosition()
  async get(@Param('id') id: string, @MinPosition() minPosition: number | undefined): Promise<Note | { missing: true }> {
    return (await this.readModels.findById<Note>('notes', id, { minPosition, timeoutMs: 3000 })) ?? { missing: true };
  }
}

@Module({
  imports: [ProjectionsModule.forFeature({ projections: [notes, brittle] })],
  controllers: [NotesController],
})
class NotesModule {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('projections in the service: admin endpoints, readiness, minPosition reads, command line', () => {
  const prefix = `test-projections-api-${randomBytes(4).toString('hex')}`;
  const env = {
    NODE_ENV: 'test',
    ES_INDEX_PREFIX: prefix,
    AUTH_JWT_SECRET: 'projections-test-secret-that-is-long-enough-0123',
    LOG_LEVEL: 'silent',
    THROTTLE_LIMIT: '0',
    PROJECTION_LAG_THRESHOLD: '1',
  };
  let app: NestFastifyApplication;
  let store: EventStore;
  let admin: string;
  let writerToken: string;
  let es: Client;

  const write = (aggregateId: string, eventType: string, eventData: Record<string, unknown> = {}) => {
    const context: WriteContext = {
      correlationId: `c-${aggregateId}`,
      causationId: null,
      userId: 'u',
      organizationId: 'org-a',
      source: 'test',
      isAdmin: false,
    };
    return store.appendToStream(aggregateId, [{ eventType, eventData }], { aggregateType: 'Note', expectedVersion: 'any', context });
  };

  beforeAll(async () => {
    app = await createApp(env, { imports: [ProjectionsAdminModule, NotesModule] });
    store = app.get<EventStore>(EVENT_STORE);
    for (let i = 0; i < 300 && !(await store.isReady()); i++) await sleep(100);
    const config = app.get(AppConfig);
    es = new Client({ node: config.esNode });
    admin = signTokenForConfig(config, { sub: 'ops', org: 'org-a', roles: ['admin'] });
    writerToken = signTokenForConfig(config, { sub: 'u', org: 'org-a', roles: ['writer'] });
    // Start-up: runners take their leases and create their indices, which is slow on a busy test cluster.
    const warmUp = await write('warm-up', 'NoteWritten', { text: 'warm-up' });
    await app.get(ProjectionEngine).waitForPosition('notes', warmUp.position, 30000);
  });

  afterAll(async () => {
    await app?.close();
    const indices = Object.keys(
      await es.indices.get({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true, expand_wildcards: 'all' }),
    );
    for (let i = 0; i < indices.length; i += 50) await es.indices.delete({ index: indices.slice(i, i + 50), ignore_unavailable: true });
    const templates = await es.indices
      .getIndexTemplate({ name: `${prefix}-*` })
      .catch(() => ({ index_templates: [] as { name: string }[] }));
    for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
    await es.close();
  });

  describe('when a client reads with minPosition or x-min-position', () => {
    it('sees its own write', async () => {
      const r = await write('note-1', 'NoteWritten', { text: 'hello' });
      const byHeader = await request(app.getHttpServer())
        .get('/test/notes/note-1')
        .set('authorization', `Bearer ${writerToken}`)
        .set('x-min-position', String(r.position));
      expect(byHeader.status).toBe(200);
      expect(byHeader.body).toEqual({ noteId: 'note-1', text: 'hello', edits: 0, organizationId: 'org-a' });
      const edited = await write('note-1', 'NoteEdited', { text: 'hello again' });
      const byQuery = await request(app.getHttpServer())
        .get(`/test/notes/note-1?minPosition=${edited.position}`)
        .set('authorization', `Bearer ${writerToken}`);
      expect(byQuery.body).toMatchObject({ text: 'hello again', edits: 1 });
    });

    it('answers 504 PROJECTION.STALE when the projection does not get there in time, 400 for a bad value', async () => {
      const head = await store.headPosition();
      const stale = await request(app.getHttpServer())
        .get(`/test/notes/note-1?minPosition=${head + 1000}`)
        .set('authorization', `Bearer ${writerToken}`);
      expect(stale.status).toBe(504);
      expect(stale.body).toMatchObject({ error: 'PROJECTION.STALE', details: { projection: 'notes', minPosition: head + 1000 } });
      const bad = await request(app.getHttpServer())
        .get('/test/notes/note-1')
        .set('authorization', `Bearer ${writerToken}`)
        .set('x-min-position', 'soon');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('PROJECTION.INVALID_MIN_POSITION');
    });
  });

  describe('GET /v1/projections', () => {
    it('is for admins only', async () => {
      expect((await request(app.getHttpServer()).get('/v1/projections')).status).toBe(401);
      expect((await request(app.getHttpServer()).get('/v1/projections').set('authorization', `Bearer ${writerToken}`)).status).toBe(403);
    });

    it('lists every projection with position, head, lag, state, throughput and error', async () => {
      const r = await write('note-2', 'NoteWritten', { text: 'x' });
      await app.get(ReadModels).waitForPosition('notes', r.position);
      const res = await request(app.getHttpServer()).get('/v1/projections').set('authorization', `Bearer ${admin}`);
      expect(res.status).toBe(200);
      const byName = Object.fromEntries((res.body as { name: string; position: number }[]).map((s) => [s.name, s]));
      expect(byName.notes).toMatchObject({ name: 'notes', kind: 'projection', version: 1, state: 'running', lastError: null });
      expect(byName.notes.position).toBeGreaterThanOrEqual(r.position);
      expect(byName.notes).toEqual(
        expect.objectContaining({ headPosition: expect.any(Number), lag: expect.any(Number), eventsPerSecond: expect.any(Number) }),
      );
    });
  });

  describe('when a projection is stopped on an event', () => {
    it('shows it failed in the status, and readiness reports it degraded', async () => {
      await write('poison-1', 'Poison');
      const failed = await (async () => {
        for (let i = 0; i < 200; i++) {
          const res = await request(app.getHttpServer()).get('/v1/projections').set('authorization', `Bearer ${admin}`);
          const b = (res.body as { name: string; state: string }[]).find((s) => s.name === 'brittle');
          if (b?.state === 'failed') return b;
          await sleep(100);
        }
        return null;
      })();
      expect(failed).toMatchObject({ state: 'failed', lastError: 'brittle cannot take Poison' });
      const ready = await request(app.getHttpServer()).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.info.projections).toMatchObject({
        degraded: true,
        lagging: [expect.objectContaining({ name: 'brittle', state: 'failed' })],
      });
    });
  });

  describe('POST /v1/projections/:name/rebuild', () => {
    it('answers 202 and the rebuild completes, visible in the status', async () => {
      const res = await request(app.getHttpServer()).post('/v1/projections/notes/rebuild').set('authorization', `Bearer ${admin}`);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ projection: 'notes', rebuildId: expect.any(String) });
      type Listed = { name: string; lastRebuild: { id: string } | null };
      let status: Listed | undefined;
      for (let i = 0; i < 200 && status?.lastRebuild?.id !== res.body.rebuildId; i++) {
        await sleep(100);
        const list = await request(app.getHttpServer()).get('/v1/projections').set('authorization', `Bearer ${admin}`);
        status = (list.body as Listed[]).find((s) => s.name === 'notes');
      }
      expect(status?.lastRebuild?.id).toBe(res.body.rebuildId);
      const again = await request(app.getHttpServer()).get('/test/notes/note-1').set('authorization', `Bearer ${writerToken}`);
      expect(again.body).toMatchObject({ text: 'hello again', edits: 1 });
    });

    it('answers 404 PROJECTION.NOT_FOUND for an unknown projection and 400 for a bad name', async () => {
      const missing = await request(app.getHttpServer()).post('/v1/projections/nope/rebuild').set('authorization', `Bearer ${admin}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('PROJECTION.NOT_FOUND');
      expect(
        (await request(app.getHttpServer()).post('/v1/projections/Bad%20Name/rebuild').set('authorization', `Bearer ${admin}`)).status,
      ).toBe(400);
      expect(
        (await request(app.getHttpServer()).post('/v1/projections/notes/rebuild').set('authorization', `Bearer ${writerToken}`)).status,
      ).toBe(403);
    });
  });

  describe('the command line', () => {
    it('prints the status, and rebuilds with progress lines when no service instance runs the projection', async () => {
      await app.close();
      const config = loadConfig({ ...process.env, ...env });
      const boot = () =>
        NestFactory.createApplicationContext(AppModule.forRoot(config, { imports: [ProjectionsAdminModule, NotesModule] }), {
          logger: false,
        });
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };

      expect(await runProjectionsCli(['status'], io, boot)).toBe(0);
      expect(out[0]).toMatch(/^NAME\s+KIND\s+VERSION\s+POSITION\s+HEAD\s+LAG\s+STATE/);
      expect(out.some((l) => /^notes\s+projection\s+v1\s/.test(l))).toBe(true);

      out.length = 0;
      expect(await runProjectionsCli(['rebuild', 'notes'], io, boot)).toBe(0);
      expect(out.some((l) => /^notes: \d+ events done, \d+ events\/s, \d+ remaining/.test(l))).toBe(true);
      expect(out[out.length - 1]).toMatch(/^notes: rebuilt into .*-rm-notes-v1-/);

      out.length = 0;
      expect(await runProjectionsCli(['rebuild'], io, boot)).toBe(2);
      expect(await runProjectionsCli(['rebuild', 'nope'], io, boot)).toBe(1);
      expect(out[out.length - 1]).toContain('No projection named nope');
    });
  });
});
