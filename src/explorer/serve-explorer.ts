import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { createDevelopmentToken } from '../auth/dev-token';
import type { AppConfig } from '../config/app-config';

export const EXPLORER_PATH = '/explorer';

/**
 * Where `npm run build` (explorer/build.mjs) writes the explorer: dist/explorer. Compiled, this file is
 * dist/src/explorer/serve-explorer.js; run from sources (jest, ts-node) it is src/explorer/serve-explorer.ts,
 * and the same build output under dist/ is served.
 */
export const EXPLORER_ASSETS_DIR = resolve(__dirname, '..', '..', __filename.endsWith('.ts') ? 'dist' : '', 'explorer');

/**
 * The event explorer's static files at /explorer/, public like /docs: the page holds no data, and every API call
 * it makes carries the token the user pasted. Registered outside Nest's router, so the guards never see it.
 *
 * In development with the built-in development secret (which is in the source, so anyone can sign with it),
 * GET /explorer/dev-token hands the page the development token for one-click sign-in; it exists nowhere else.
 */
export function serveExplorer(app: NestFastifyApplication, config: AppConfig, assetsDir = EXPLORER_ASSETS_DIR): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.get(EXPLORER_PATH, (_request, reply) => reply.redirect(`${EXPLORER_PATH}/`, 302));

  if (config.nodeEnv === 'development' && config.auth.usingDevelopmentSecret) {
    fastify.get(`${EXPLORER_PATH}/dev-token`, (_request, reply) =>
      reply.header('cache-control', 'no-store').send({ token: createDevelopmentToken(config) }),
    );
  }

  if (!existsSync(join(assetsDir, 'index.html'))) {
    fastify.get(`${EXPLORER_PATH}/*`, (_request, reply) =>
      reply.code(404).send({ error: 'NotFound', message: 'The explorer is not built: run `npm run build` (or `npm run build:explorer`)' }),
    );
    return;
  }
  app.useStaticAssets({
    root: assetsDir,
    prefix: `${EXPLORER_PATH}/`,
    // The OpenAPI UI registered @fastify/static already; a second registration must not decorate the reply again.
    decorateReply: false,
    index: ['index.html'],
    // index.html names its bundles by content hash: it must be revalidated, they never change.
    setHeaders: (res: unknown, path: string) => {
      const value = path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable';
      // @fastify/static 10 hands the Fastify reply (header()); Nest's option type still says a raw response (setHeader()).
      const r = res as { header?: (k: string, v: string) => void; setHeader?: (k: string, v: string) => void };
      if (r.header) r.header('cache-control', value);
      else r.setHeader?.('cache-control', value);
    },
  });
}
