import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { signAccessToken } from '../../src/auth/dev-token';
import { deletePrefix } from '../support/cleanup';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';

const SECRET = 'sigkill-secret-that-is-long-enough-0123456789';

describe('The service killed with SIGKILL under write load', () => {
  const prefix = `test-sigkill-${randomUUID().slice(0, 8)}`;
  const env = { ES_NODE: process.env.ES_NODE as string, ES_INDEX_PREFIX: prefix, AUTH_JWT_SECRET: SECRET };
  const auth = {
    Authorization: `Bearer ${signAccessToken({ sub: 'loader', org: 'org-kill', roles: ['writer', 'reader'] }, { algorithm: 'HS256', secret: SECRET })}`,
  };
  let svc: ServiceProcess | undefined;
  afterAll(async () => {
    svc?.child.kill('SIGKILL');
    const es = new Client({ node: process.env.ES_NODE as string });
    await deletePrefix(es, prefix);
    await es.close();
  });

  it('keeps every acknowledged append, leaves no stream blocked, and accepts writes again after a restart', async () => {
    svc = await startServiceProcess(env);
    const streams = Array.from({ length: 12 }, () => `kill-${randomUUID()}`);
    const acked = new Map<string, { stream: string; version: number }>();
    let stop = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const stream = streams[(c * 5 + i) % streams.length];
        const events = Array.from({ length: 1 + (i % 3) }, () => ({ eventId: randomUUID(), eventType: 'Loaded', eventData: { c, i } }));
        try {
          const r = await fetch(`${(svc as ServiceProcess).url}/v1/aggregates/${stream}/events`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ aggregateType: 'Load', expectedVersion: 'any', events }),
          });
          if (r.status === 201) {
            const body = (await r.json()) as { fromVersion: number };
            events.forEach((e, k) => acked.set(e.eventId, { stream, version: body.fromVersion + k }));
          }
        } catch {
          // The process is gone: this append was never acknowledged.
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 2500));
    svc.child.kill('SIGKILL');
    await svc.exited;
    stop = true;
    await Promise.all(clients);
    expect(acked.size).toBeGreaterThan(20);

    svc = await startServiceProcess(env);
    const url = svc.url;
    const started = Date.now();
    for (const stream of streams) {
      const read = await fetch(`${url}/v1/aggregates/${stream}/events?maxCount=10000`, { headers: auth });
      if (read.status === 404) continue;
      const body = (await read.json()) as { version: number; events: { eventId: string; version: number }[] };
      expect(body.events.map((e) => e.version)).toEqual(Array.from({ length: body.version }, (_, i) => i + 1));
      const stored = new Map(body.events.map((e) => [e.eventId, e.version]));
      for (const [eventId, where] of acked) if (where.stream === stream) expect(stored.get(eventId)).toBe(where.version);
      const next = await fetch(`${url}/v1/aggregates/${stream}/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          aggregateType: 'Load',
          expectedVersion: body.version,
          events: [{ eventType: 'AfterRestart', eventData: {} }],
        }),
      });
      expect(next.status).toBe(201);
    }
    // Every stream accepted a write again within a bounded wait (the lease of a dead writer is 5 s).
    expect(Date.now() - started).toBeLessThan(30_000);
    const storedTotal = acked.size;
    expect(storedTotal).toBeGreaterThan(0);
  }, 240_000);
});
