/**
 * Where the service's CPU goes per request, without the bench: builds the application in this process against
 * ES_NODE (its own index prefix), appends a few events, then sends one route N times through Fastify's inject (the
 * whole Fastify + Nest pipeline, no socket) and prints the mean wall time per request. Run it under --cpu-prof and read
 * the profile with profile-summary.ts. Usage:
 *   ES_NODE=http://127.0.0.1:9250 node --cpu-prof --cpu-prof-dir=/tmp/prof -r ts-node/register/transpile-only \
 *     -r tsconfig-paths/register bench/tools/profile-requests.ts [statistics|trends|search|health|append] [N]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createApp } from '../../src/app.factory';
import { signAccessToken } from '../../src/auth/dev-token';
import { overrideProjectionsAutoStart } from '@gyroscops/projections';
import { dropPrefix, makeClient } from '../core/elasticsearch';

async function main(): Promise<void> {
  const [route = 'statistics', nArg = '2000'] = process.argv.slice(2);
  const n = Number(nArg);
  const secret = randomBytes(32).toString('hex');
  const prefix = `profile-${Date.now()}`;
  overrideProjectionsAutoStart(false);
  const app = await createApp({
    NODE_ENV: 'production',
    ES_INDEX_PREFIX: prefix,
    AUTH_JWT_SECRET: secret,
    THROTTLE_LIMIT: '0',
    LOG_LEVEL: 'info',
  });
  try {
    const fastify = app.getHttpAdapter().getInstance();
    const token = signAccessToken({ sub: 'u-1', org: 'org-1', roles: ['writer', 'reader'] }, { algorithm: 'HS256', secret });
    const headers = { authorization: `Bearer ${token}` };
    for (let tries = 0; (await fastify.inject({ method: 'GET', url: '/health/ready' })).statusCode !== 200; tries++) {
      if (tries > 300) throw new Error('the service did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 20; i++) {
      const r = await fastify.inject({
        method: 'POST',
        url: `/v1/aggregates/${randomUUID()}/events`,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: {
          aggregateType: 'Payment',
          expectedVersion: 'no_stream',
          events: [{ eventType: 'PaymentInitiated', eventData: { amount: i } }],
        },
      });
      if (r.statusCode !== 201) throw new Error(`append answered ${r.statusCode}: ${r.body}`);
    }
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const urls: Record<string, string> = {
      statistics: `/v1/analytics/events/statistics?from=${from}&to=${to}`,
      trends: `/v1/analytics/events/trends?from=${from}&to=${to}&interval=hour`,
      search: `/v1/events?q=PaymentInitiated&size=20`,
      health: `/health/live`,
    };
    const url = urls[route];
    if (!url && route !== 'append') throw new Error(`unknown route ${route}: statistics, trends, search, health or append`);
    // append: one event to a new stream per request, with a client event id, as the bench's single-event appends send.
    const once =
      route === 'append'
        ? async (): Promise<void> => {
            const r = await fastify.inject({
              method: 'POST',
              url: `/v1/aggregates/${randomUUID()}/events`,
              headers: { ...headers, 'content-type': 'application/json' },
              payload: JSON.stringify({
                aggregateType: 'Payment',
                expectedVersion: 'no_stream',
                events: [
                  {
                    eventId: randomUUID(),
                    eventType: 'PaymentInitiated',
                    eventData: { amount: 12.5, currency: 'EUR', note: 'x'.repeat(64) },
                  },
                ],
              }),
            });
            if (r.statusCode !== 201) throw new Error(`append answered ${r.statusCode}: ${r.body}`);
          }
        : async (): Promise<void> => {
            const r = await fastify.inject({ method: 'GET', url, headers });
            if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}: ${r.body}`);
          };
    for (let i = 0; i < 200; i++) await once();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await once();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `${route}: ${n} requests, ${(ms / n).toFixed(3)} ms wall and ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU each\n`,
    );
  } finally {
    await app.close();
    // The application made its indices (store, read models, projections) under the run's own prefix: none outlives it.
    const client = makeClient(process.env.ES_NODE ?? 'http://127.0.0.1:9200');
    const dropped = await dropPrefix(client, prefix);
    await client.close();
    process.stdout.write(`dropped ${dropped.length} indices of ${prefix}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
