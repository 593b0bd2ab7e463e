import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from '@elastic/elasticsearch';
import request from 'supertest';
import type { Role } from '@gyroscops/context';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { signTokenForConfig } from '../../src/auth/dev-token';
import { deleteBackupsOf, deletePrefix } from './cleanup';

export interface TestApp {
  app: NestFastifyApplication;
  prefix: string;
  http: () => ReturnType<typeof request>;
  token(org: string, roles?: Role[], user?: string): string;
  auth(org: string, roles?: Role[], user?: string): { Authorization: string };
  es: Client;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Boots the whole service (same pipes, guards, filters as production) on its own index prefix. */
export async function startTestApp(
  suite: string,
  env: Record<string, string> = {},
  options: { keepIndices?: boolean; skipReadyWait?: boolean } = {},
): Promise<TestApp> {
  // Pass ES_INDEX_PREFIX to start a second instance on the same indices.
  const prefix = env.ES_INDEX_PREFIX ?? `test-${suite}-${randomBytes(4).toString('hex')}`;
  const app = await createApp({
    NODE_ENV: 'test',
    ES_INDEX_PREFIX: prefix,
    AUTH_JWT_SECRET: 'e2e-secret-that-is-long-enough-0123456789',
    LOG_LEVEL: 'silent',
    // Suites test behaviour, not limits (hostile-input sends dozens of refused rebuilds); no global limit is the
    // default. test/e2e/rate-limit.e2e-spec.ts runs the defaults.
    THROTTLE_EXPENSIVE_LIMIT: '0',
    ...env,
  });
  const store = app.get<EventStore>(EVENT_STORE);
  for (let i = 0; i < 300 && !options.skipReadyWait && !(await store.isReady()); i++) await sleep(100);
  const config = app.get(AppConfig);
  const es = new Client({ node: config.esNode });
  const token = (org: string, roles: Role[] = ['reader', 'writer'], user = 'user-1') =>
    signTokenForConfig(config, { sub: user, org, roles });
  return {
    app,
    prefix,
    http: () => request(app.getHttpServer()),
    token,
    auth: (org, roles, user) => ({ Authorization: `Bearer ${token(org, roles, user)}` }),
    es,
    close: async () => {
      await app.close();
      if (options.keepIndices) return es.close();
      await deletePrefix(es, prefix);
      await deleteBackupsOf(es, prefix);
      await es.close();
    },
  };
}

export async function refreshAll(t: TestApp): Promise<void> {
  await t.es.indices.refresh({ index: `${t.prefix}-*` });
}
