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
  const started: ServiceProcess[] = [];
  const start = async () => {
    const p = await startServiceProcess(env);
    started.push(p);
    return p;
  };
  afterAll(async () => {
    for (const p of started) p.child.kill('SIGKILL');
    const es = new Client({ node: process.env.ES_NODE as string });
    await deletePrefix(es, prefix);
    await es.close();
  });

  it('keeps every acknowledged append, leaves no stream blocked, and accepts writes again after a restart', async () => {
    svc = await start();
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

    svc = await start();
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

    // Projections and sagas converge: every consumer catches up with the head of the log, none failed.
    const adminAuth = {
      Authorization: `Bearer ${signAccessToken({ sub: 'ops', org: 'ops', roles: ['admin'] }, { algorithm: 'HS256', secret: SECRET })}`,
    };
    let statuses: { name: string; lag: number; state: string; lastError: string | null }[] = [];
    for (let i = 0; i < 150; i++) {
      statuses = (await (await fetch(`${url}/v1/projections`, { headers: adminAuth })).json()) as typeof statuses;
      if (statuses.length > 0 && statuses.every((p) => p.lag === 0 && p.state !== 'failed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(statuses.length).toBeGreaterThan(0);
    for (const p of statuses) expect(p).toMatchObject({ lag: 0, lastError: null });
    const storedTotal = acked.size;
    expect(storedTotal).toBeGreaterThan(0);
  }, 240_000);
  it('on SIGTERM finishes in-flight requests, then exits promptly', async () => {
    const proc = await start();
    const post = (i: number) =>
      fetch(`${proc.url}/v1/aggregates/term-${i}/events`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          aggregateType: 'Term',
          expectedVersion: 'any',
          events: [{ eventId: randomUUID(), eventType: 'InFlight', eventData: { i } }],
        }),
      }).then(
        async (r) => ({
          status: r.status,
          body: (await r.json().catch(async () => ({ text: await r.text().catch(() => '') }))) as { fromVersion?: number },
        }),
        () => ({ status: 0, body: {} }),
      );
    const inFlight = Array.from({ length: 40 }, (_, i) => post(i));
    await new Promise((r) => setTimeout(r, 30));
    const t0 = Date.now();
    proc.child.kill('SIGTERM');
    const results = await Promise.all(inFlight);
    const exit = await proc.exited;
    // Nest closes the app, then re-raises the signal: exit by SIGTERM (143) after a clean close, not by the grace timer.
    expect(['0', 'SIGTERM']).toContain(exit);
    expect(proc.output()).not.toContain('Shutdown took longer');
    expect(Date.now() - t0).toBeLessThan(15_000);
    // Every request either completed, was refused a connection, or arrived after closing began and was told to retry
    // in the service's error shape: none was cut or failed with a 500.
    for (const r of results) {
      expect([0, 201, 503]).toContain(r.status);
      if (r.status === 503) expect(r.body).toEqual({ error: 'ServiceUnavailable', message: expect.any(String) });
    }
    expect(results.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    const after = await start();
    // A connection refused right after the restarted service said it was ready was seen once in a whole run on a
    // loaded machine: a read is retried on connection errors only (a few seconds), never on an answer.
    const read = async (path: string): Promise<Response> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await fetch(`${after.url}${path}`, { headers: auth });
        } catch (e) {
          if (attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    for (const [i, r] of results.entries()) {
      if (r.status !== 201) continue;
      const s = await read(`/v1/aggregates/term-${i}/events`);
      expect(s.status).toBe(200);
    }
  }, 240_000);
});
