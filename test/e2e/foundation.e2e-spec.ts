import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import request from 'supertest';
import { RequestContextStore } from '@gyroscops/context';
import { createApp } from '../../src/app.factory';
import { Public, Roles } from '../../src/auth/access.decorators';
import { signAccessToken, signTokenForConfig, type AccessTokenClaims } from '../../src/auth/dev-token';
import { RouteAudit } from '../../src/auth/route-audit';
import { AppConfig } from '../../src/config/app-config';
import { ReadinessRegistry } from '../../src/health/readiness.registry';
import { deleteIndicesWithPrefix, esNode, testIndexPrefix } from '../support/elasticsearch';
import { TcpProxy } from '../support/tcp-proxy';
import { readinessBecomes } from '../support/readiness';

// Test-only routes exercising what the foundation promises to every future controller.
class EchoDto {
  @IsString() name!: string;
  @IsInt() @Min(1) count!: number;
  @IsOptional() @IsString() note?: string;
}

@Controller('test')
class FoundationTestController {
  @Post('echo')
  @Roles('writer')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Post('context')
  @Roles('writer')
  async context(@Body() body: EchoDto): Promise<Record<string, unknown>> {
    await sleep(5);
    const ctx = RequestContextStore.require();
    return { correlationId: ctx.correlationId, userId: ctx.userId, organizationId: ctx.organizationId, name: body.name };
  }

  @Get('admin')
  @Roles('admin')
  admin(): { ok: true } {
    return { ok: true };
  }

  @Get('boom')
  @Roles('reader')
  boom(): never {
    throw new Error('secret internal detail');
  }

  @Get('conflict')
  @Roles('reader')
  conflict(): never {
    throw Object.assign(new Error('Stream s-1 is at version 3, expected 2'), {
      code: 'WrongExpectedVersion',
      expectedVersion: 2,
      actualVersion: 3,
    });
  }

  @Get('open')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }

  // Deliberately without @Public or @Roles: must be denied to everyone.
  @Get('unguarded')
  unguarded(): string {
    return 'should never be served';
  }
}

@Module({ controllers: [FoundationTestController] })
class FoundationTestModule {}

const SECRET = 'foundation-e2e-secret-0123456789abcdef';
const READER: AccessTokenClaims = { sub: 'reader-1', org: 'org-a', roles: ['reader'] };
const WRITER: AccessTokenClaims = { sub: 'writer-1', org: 'org-a', roles: ['writer'] };
const ADMIN: AccessTokenClaims = { sub: 'admin-1', org: 'org-root', roles: ['admin'] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Serves on an ephemeral port, so app.close() closes every connection the tests opened. */
async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.getUrl();
}

describe('Foundation (e2e, real Elasticsearch)', () => {
  const prefix = testIndexPrefix('foundation');
  const logs: string[] = [];
  let app: NestFastifyApplication;
  let server: string;
  let config: AppConfig;
  const bearer = (claims: AccessTokenClaims) => `Bearer ${signTokenForConfig(config, claims)}`;

  beforeAll(async () => {
    app = await createApp(
      {
        ES_NODE: esNode(),
        ES_INDEX_PREFIX: prefix,
        NODE_ENV: 'test',
        AUTH_JWT_SECRET: SECRET,
        BODY_LIMIT_BYTES: '4096',
        LOG_LEVEL: 'info',
        THROTTLE_LIMIT: '0',
        CORS_ORIGINS: '',
      },
      { imports: [FoundationTestModule], logDestination: { write: (line: string) => void logs.push(line) } },
    );
    server = await listen(app);
    config = app.get(AppConfig);
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndicesWithPrefix(esNode(), prefix);
  });

  describe('health', () => {
    it('answers liveness with 200', async () => {
      const res = await request(server).get('/health/live').expect(200);
      expect(res.body).toMatchObject({ status: 'ok' });
    });

    it('answers readiness with 200 when Elasticsearch answers', async () => {
      // The event store sets its indices up in the background after start-up.
      await readinessBecomes(server, 200);
      const res = await request(server).get('/health/ready').expect(200);
      expect(res.body).toMatchObject({ status: 'ok', info: { elasticsearch: { status: 'up' } } });
      expect(['green', 'yellow']).toContain(res.body.info.elasticsearch.clusterStatus);
    });

    it('includes every registered readiness check, and turns 503 while one is down', async () => {
      await readinessBecomes(server, 200);
      let up = false;
      const remove = app.get(ReadinessRegistry).register('e2eCheck', async () => ({ up, details: { lag: 7 } }));
      try {
        const down = await request(server).get('/health/ready').expect(503);
        expect(down.body).toMatchObject({
          status: 'error',
          error: { e2eCheck: { status: 'down', lag: 7 } },
          info: { elasticsearch: { status: 'up' } },
        });
        up = true;
        const ready = await request(server).get('/health/ready').expect(200);
        expect(ready.body.info).toMatchObject({ e2eCheck: { status: 'up' }, elasticsearch: { status: 'up' } });
      } finally {
        remove();
      }
    });

    it('stays public even with a bad token', async () => {
      await request(server).get('/health/live').set('Authorization', 'Bearer forged.token.here').expect(200);
    });
  });

  describe('OpenAPI', () => {
    it('serves the UI at /docs and the document at /docs-json, with bearer auth declared', async () => {
      const ui = await request(server).get('/docs').expect(200);
      expect(ui.headers['content-type']).toContain('text/html');
      const doc = await request(server).get('/docs-json').expect(200);
      expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.body.paths['/v1/whoami'].get.security).toEqual([{ bearer: [] }]);
      expect(doc.body.paths['/health/ready']).toBeDefined();
    });
  });

  describe('authentication and roles', () => {
    it('answers 401 JSON to a protected route without a token', async () => {
      const res = await request(server).get('/v1/whoami').expect(401);
      expect(res.headers['content-type']).toContain('application/json');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toEqual({ error: 'Unauthorized', message: 'A bearer token is required' });
    });

    it('answers 401 to forged and expired tokens', async () => {
      const forged = signAccessToken(READER, { algorithm: 'HS256', secret: 'not-the-secret-but-long-enough-0000000' });
      const forgedRes = await request(server).get('/v1/whoami').set('Authorization', `Bearer ${forged}`).expect(401);
      expect(forgedRes.body).toEqual({ error: 'Unauthorized', message: 'Invalid token signature' });

      const expired = signTokenForConfig(config, READER, { expiresInSeconds: -120 });
      const expiredRes = await request(server).get('/v1/whoami').set('Authorization', `Bearer ${expired}`).expect(401);
      expect(expiredRes.body).toEqual({ error: 'Unauthorized', message: 'Token expired' });
    });

    it('tells a reader who they are', async () => {
      const res = await request(server)
        .get('/v1/whoami')
        .set('Authorization', bearer(READER))
        .set('x-correlation-id', 'whoami-1')
        .expect(200);
      expect(res.body).toEqual({ userId: 'reader-1', organizationId: 'org-a', roles: ['reader'], correlationId: 'whoami-1' });
    });

    it('lets writers write and refuses readers with 403', async () => {
      const refused = await request(server)
        .post('/test/echo')
        .set('Authorization', bearer(READER))
        .send({ name: 'a', count: 1 })
        .expect(403);
      expect(refused.body).toEqual({ error: 'Forbidden', message: 'This route requires the writer role' });
      await request(server)
        .post('/test/echo')
        .set('Authorization', bearer(WRITER))
        .send({ name: 'a', count: 1 })
        .expect(201, { name: 'a', count: 1 });
      await request(server).post('/test/echo').set('Authorization', bearer(ADMIN)).send({ name: 'a', count: 1 }).expect(201);
    });

    it('keeps admin routes to admins', async () => {
      await request(server).get('/test/admin').set('Authorization', bearer(WRITER)).expect(403);
      await request(server).get('/test/admin').set('Authorization', bearer(ADMIN)).expect(200, { ok: true });
    });

    it('denies a route without an access rule to everyone, and logs it', async () => {
      const res = await request(server).get('/test/unguarded').set('Authorization', bearer(ADMIN)).expect(403);
      expect(res.body).toEqual({ error: 'Forbidden', message: 'This route has no access rule and is denied by default' });
      expect(logs.some((line) => line.includes('FoundationTestController.unguarded has neither @Public() nor @Roles()'))).toBe(true);
    });

    it('finds that route when auditing every registered route', () => {
      const unguarded = app.get(RouteAudit).unguardedRoutes();
      expect(unguarded.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /test/unguarded']);
    });
  });

  describe('request context', () => {
    it('echoes a valid correlation id and generates one otherwise', async () => {
      const given = await request(server).get('/test/open').set('x-correlation-id', 'client-abc-123').expect(200);
      expect(given.headers['x-correlation-id']).toBe('client-abc-123');
      const generated = await request(server).get('/test/open').expect(200);
      expect(generated.headers['x-correlation-id']).toMatch(UUID);
      const unsafe = await request(server).get('/test/open').set('x-correlation-id', 'no spaces allowed').expect(200);
      expect(unsafe.headers['x-correlation-id']).toMatch(UUID);
    });

    it('carries correlation id and caller into the handler, past body parsing and awaits', async () => {
      const res = await request(server)
        .post('/test/context')
        .set('Authorization', bearer(WRITER))
        .set('x-correlation-id', 'ctx-42')
        .send({ name: 'n', count: 2 })
        .expect(201);
      expect(res.body).toEqual({ correlationId: 'ctx-42', userId: 'writer-1', organizationId: 'org-a', name: 'n' });
    });

    it('puts the correlation id on every log line of a request and never logs the token', async () => {
      const auth = bearer(READER);
      await request(server).get('/test/boom').set('Authorization', auth).set('x-correlation-id', 'boom-7').expect(500);
      await sleep(50);
      const lines = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l['reqId'] === 'boom-7' || l['correlationId'] === 'boom-7');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) expect(line['correlationId']).toBe('boom-7');
      const errorLine = lines.find((l) => l['level'] === 50 && l['err']);
      expect((errorLine?.['err'] as { stack: string }).stack).toContain('secret internal detail');
      expect(logs.join('\n')).not.toContain(auth.slice('Bearer '.length));
    });

    it('writes one access line per answer with its status and correlation id, answers refused before the router included', async () => {
      await request(server).delete('/test/echo').set('x-correlation-id', 'access-405').expect(405);
      await request(server).get('/test/boom').set('x-correlation-id', 'access-401').expect(401);
      await request(server).get('/test/boom').set('Authorization', bearer(READER)).set('x-correlation-id', 'access-500').expect(500);
      await sleep(50);
      const access = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => (l['res'] as { statusCode?: number } | undefined)?.statusCode !== undefined);
      for (const [id, status] of [
        ['access-405', 405],
        ['access-401', 401],
        ['access-500', 500],
      ] as const) {
        const lines = access.filter((l) => l['correlationId'] === id);
        expect(lines).toHaveLength(1);
        expect((lines[0]['res'] as { statusCode: number }).statusCode).toBe(status);
      }
    });
  });

  describe('errors', () => {
    const post = (path: string) => request(server).post(path).set('Authorization', bearer(WRITER));

    it('answers invalid bodies with 400 ValidationError and per-field details', async () => {
      const res = await post('/test/echo').send({ name: 3, count: 0, extra: true }).expect(400);
      expect(res.body.error).toBe('ValidationError');
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { field: 'name', constraints: { isString: 'name must be a string' } },
          { field: 'count', constraints: { min: 'count must not be less than 1' } },
          { field: 'extra', constraints: { whitelistValidation: 'property extra should not exist' } },
        ]),
      );
    });

    it('answers malformed JSON with 400', async () => {
      const res = await post('/test/echo').set('Content-Type', 'application/json').send('{"name": ').expect(400);
      expect(res.body).toMatchObject({ error: 'BadRequest' });
    });

    it('answers a body over BODY_LIMIT_BYTES with 413', async () => {
      const res = await post('/test/echo')
        .send({ name: 'x'.repeat(5000), count: 1 })
        .expect(413);
      expect(res.body).toMatchObject({ error: 'PayloadTooLarge' });
    });

    it('answers an unsupported media type with 415', async () => {
      const res = await post('/test/echo').set('Content-Type', 'application/xml').send('<a/>').expect(415);
      expect(res.body).toMatchObject({ error: 'UnsupportedMediaType' });
    });

    it('answers unknown routes with 404 NotFound', async () => {
      const res = await request(server).get('/no/such/route').expect(404);
      expect(res.body).toEqual({ error: 'NotFound', message: 'Cannot GET /no/such/route' });
    });

    it('answers event-store conflicts with 409 and both versions', async () => {
      const res = await request(server).get('/test/conflict').set('Authorization', bearer(READER)).expect(409);
      expect(res.body).toEqual({
        error: 'WrongExpectedVersion',
        message: 'Stream s-1 is at version 3, expected 2',
        expectedVersion: 2,
        actualVersion: 3,
      });
    });

    it('answers unexpected errors with a generic 500, without message or stack', async () => {
      const res = await request(server).get('/test/boom').set('Authorization', bearer(READER)).expect(500);
      expect(res.body).toEqual({ error: 'InternalServerError', message: 'Internal server error' });
    });
  });

  describe('HTTP hardening', () => {
    it('sends security headers and no CORS headers when CORS_ORIGINS is unset', async () => {
      const res = await request(server).get('/health/live').set('Origin', 'https://evil.example').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('Foundation with rate limiting and CORS (e2e)', () => {
  const prefix = testIndexPrefix('foundation-throttle');
  let app: NestFastifyApplication;
  let url: string;
  let config: AppConfig;

  beforeAll(async () => {
    app = await createApp({
      ES_NODE: esNode(),
      ES_INDEX_PREFIX: prefix,
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      THROTTLE_LIMIT: '2',
      THROTTLE_TTL_MS: '60000',
      CORS_ORIGINS: 'https://app.example.com',
    });
    config = app.get(AppConfig);
    url = await listen(app);
    // Let start-up set-up finish, so that nothing creates indices after the clean-up.
    await readinessBecomes(url, 200);
  });

  afterAll(async () => {
    await app?.close();
    await deleteIndicesWithPrefix(esNode(), prefix);
  });

  it('limits each caller separately and answers 429 JSON beyond the limit', async () => {
    const server = url;
    const alice = `Bearer ${signTokenForConfig(config, { sub: 'alice', org: 'o', roles: ['reader'] })}`;
    const bob = `Bearer ${signTokenForConfig(config, { sub: 'bob', org: 'o', roles: ['reader'] })}`;
    await request(server).get('/v1/whoami').set('Authorization', alice).expect(200);
    await request(server).get('/v1/whoami').set('Authorization', alice).expect(200);
    const limited = await request(server).get('/v1/whoami').set('Authorization', alice).expect(429);
    expect(limited.body).toMatchObject({ error: 'TooManyRequests' });
    await request(server).get('/v1/whoami').set('Authorization', bob).expect(200);
  });

  it('never limits health probes', async () => {
    const server = url;
    for (let i = 0; i < 5; i++) await request(server).get('/health/live').expect(200);
  });

  it('answers CORS preflights for the configured origins only', async () => {
    const server = url;
    const allowed = await request(server)
      .options('/v1/whoami')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'GET');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await request(server)
      .options('/v1/whoami')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('Readiness without Elasticsearch (e2e)', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    app = await createApp({
      ES_NODE: 'http://127.0.0.1:1',
      ES_INDEX_PREFIX: testIndexPrefix('foundation-down'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    });
    url = await listen(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('starts anyway, stays live, and answers readiness with 503 naming elasticsearch', async () => {
    const server = url;
    await request(server).get('/health/live').expect(200);
    const res = await request(server).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ status: 'error', error: { elasticsearch: { status: 'down', clusterStatus: 'unreachable' } } });
  });
});

describe('Readiness follows Elasticsearch going away and coming back (e2e)', () => {
  const target = new URL(esNode());
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 9200) });
  const prefix = testIndexPrefix('foundation-flap');
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    await proxy.start();
    app = await createApp({ ES_NODE: proxy.url, ES_INDEX_PREFIX: prefix, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    url = await listen(app);
  });

  afterAll(async () => {
    await app?.close();
    await proxy.stop();
    await deleteIndicesWithPrefix(esNode(), prefix);
  });

  it('turns 503 when Elasticsearch stops answering and back to 200 when it returns, without a restart', async () => {
    const server = url;
    await readinessBecomes(server, 200);
    await proxy.stop();
    await readinessBecomes(server, 503);
    await proxy.start();
    await readinessBecomes(server, 200);
  });
});
