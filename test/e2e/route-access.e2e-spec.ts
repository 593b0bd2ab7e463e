import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { RouteAudit } from '../../src/auth/route-audit';
import { deleteIndicesWithPrefix, esNode, testIndexPrefix } from '../support/elasticsearch';

/**
 * Every route of the real application must say who may call it: @Public() or @Roles(...).
 * The guard denies undecorated routes anyway; this test catches them before anyone gets a 403.
 */
describe('Access rules of every route (e2e)', () => {
  const prefix = testIndexPrefix('route-access');
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApp({ ES_NODE: esNode(), ES_INDEX_PREFIX: prefix, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    // Let start-up set-up finish, so that nothing creates indices after the clean-up.
    for (let i = 0; i < 150; i++) {
      if ((await request(app.getHttpServer()).get('/health/ready')).status === 200) break;
      await sleep(200);
    }
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndicesWithPrefix(esNode(), prefix);
  });

  it('finds the routes of every controller', () => {
    const routes = app.get(RouteAudit).routes();
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', path: '/health/ready', rule: { kind: 'public' } }),
        expect.objectContaining({ method: 'GET', path: '/v1/whoami', rule: { kind: 'roles', roles: ['reader'] } }),
      ]),
    );
  });

  it('has no route without @Public() or @Roles()', () => {
    const unguarded = app
      .get(RouteAudit)
      .unguardedRoutes()
      .map((r) => `${r.method} ${r.path} (${r.handler})`);
    expect(unguarded).toEqual([]);
  });
});
