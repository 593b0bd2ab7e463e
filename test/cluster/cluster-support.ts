import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { type StoredEvent } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { signAccessToken } from '../../src/auth/dev-token';
import type { ServiceProcess } from '../support/service-process';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'elasticsearch-cluster.mjs');
export const SECRET = 'cluster-secret-that-is-long-enough-0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function nodeUrls(): string[] {
  const nodes = process.env.ES_NODE;
  if (!nodes) throw new Error('ES_NODE is not set: run through `npm run test:cluster` (its global set-up starts the cluster)');
  return nodes.split(',');
}

/** Runs `node scripts/elasticsearch-cluster.mjs <args>`; its own output goes to our stderr. */
export function cluster(...args: string[]): string {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`elasticsearch-cluster ${args.join(' ')} failed (${r.status})`);
  return r.stdout.trim();
}

export async function waitForHealth(es: Client, index: string, status: 'green' | 'yellow', nodes?: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const h = await es.cluster
      .health({ index, wait_for_status: status, wait_for_nodes: nodes === undefined ? undefined : String(nodes), timeout: '10s' })
      .catch(() => null);
    if (h && !h.timed_out) return;
    await sleep(1000);
  }
  throw new Error(`cluster did not reach ${status}${nodes ? ` with ${nodes} nodes` : ''} for ${index}`);
}

/** Node names (node-1..3) holding the primaries of the log, the heads and the counter. */
export async function primariesOf(es: Client, prefix: string): Promise<Record<'log' | 'streams' | 'meta', string>> {
  const rows = await es.cat.shards({
    index: `${prefix}-log,${prefix}-streams,${prefix}-meta`,
    format: 'json',
    h: 'index,prirep,state,node',
  });
  const primary = (suffix: string) =>
    rows.find((r) => r.index === `${prefix}-${suffix}` && r.prirep === 'p' && r.state === 'STARTED')?.node;
  const out = { log: primary('log'), streams: primary('streams'), meta: primary('meta') };
  if (!out.log || !out.streams || !out.meta) throw new Error(`primaries not all started: ${JSON.stringify(rows)}`);
  return out as Record<'log' | 'streams' | 'meta', string>;
}

export type Outcome = 'acknowledged' | 'failed' | 'ambiguous';

export interface AppendRecord {
  stream: string;
  eventIds: string[];
  outcome: Outcome;
  /** HTTP status or 0 for a network failure; with the error code the service answered. */
  status: number;
  error?: string;
  fromVersion?: number;
  position?: number;
  /** When the answer came, ms after the load started. */
  at: number;
}

export interface LoadReport {
  appends: AppendRecord[];
  payments: { paymentId: string; outcome: Outcome; status: number; error?: string; at: number }[];
  durationMs: number;
}

export function summary(report: LoadReport): Record<string, number> {
  const count = (rows: { outcome: Outcome }[], o: Outcome) => rows.filter((r) => r.outcome === o).length;
  const acks = [...report.appends, ...report.payments]
    .filter((r) => r.outcome === 'acknowledged')
    .map((r) => r.at)
    .sort((a, b) => a - b);
  const pauses = acks.map((t, i) => t - (i === 0 ? 0 : acks[i - 1]));
  return {
    seconds: Math.round(report.durationMs / 1000),
    longestPauseWithoutAcknowledgementS: Math.round(Math.max(0, ...pauses, report.durationMs - (acks[acks.length - 1] ?? 0)) / 100) / 10,
    appendsAcknowledged: count(report.appends, 'acknowledged'),
    appendsFailed: count(report.appends, 'failed'),
    appendsAmbiguous: count(report.appends, 'ambiguous'),
    appendsAmbiguousOutcomeUnknown: report.appends.filter((a) => a.error === 'AppendOutcomeUnknown').length,
    appendsAmbiguousNoAnswer: report.appends.filter((a) => a.status === 0).length,
    eventsAcknowledged: report.appends.filter((a) => a.outcome === 'acknowledged').reduce((n, a) => n + a.eventIds.length, 0),
    paymentsAcknowledged: count(report.payments, 'acknowledged'),
    paymentsFailed: count(report.payments, 'failed'),
    paymentsAmbiguous: count(report.payments, 'ambiguous'),
  };
}

/**
 * Writers spread over the service instances until stopped: appends of 1-3 events with client event ids to a fixed set
 * of streams (expectedVersion any, so only the store decides versions), and payments (projections and sagas). Every
 * answer is classified: 201 acknowledged; 503 AppendOutcomeUnknown or no answer ambiguous; anything else failed.
 */
export function startLoad(services: ServiceProcess[], streams: string[], writers = 6): { stop(): Promise<LoadReport> } {
  const auth = `Bearer ${signAccessToken({ sub: 'cluster-load', org: 'org-cluster', roles: ['writer', 'reader'] }, { algorithm: 'HS256', secret: SECRET })}`;
  const report: LoadReport = { appends: [], payments: [], durationMs: 0 };
  const started = Date.now();
  let stopped = false;
  const classify = (status: number, error?: string): Outcome =>
    status === 201 ? 'acknowledged' : status === 0 || error === 'AppendOutcomeUnknown' ? 'ambiguous' : 'failed';
  const writer = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const url = services[(w + i) % services.length].url;
      if (i % 4 === 3) {
        const paymentId = `pay-${randomUUID()}`;
        const r = await post(url, '/v1/payments', auth, { paymentId, amount: `${1 + (i % 90)}.00`, currency: 'EUR' });
        report.payments.push({
          paymentId,
          outcome: classify(r.status, r.error),
          status: r.status,
          error: r.error,
          at: Date.now() - started,
        });
        continue;
      }
      const stream = streams[(w * 7 + i) % streams.length];
      const eventIds = Array.from({ length: 1 + (i % 3) }, () => randomUUID());
      const r = await post(url, `/v1/aggregates/${stream}/events`, auth, {
        aggregateType: 'ClusterLoad',
        expectedVersion: 'any',
        events: eventIds.map((eventId, k) => ({ eventId, eventType: 'Loaded', eventData: { w, i, k } })),
      });
      report.appends.push({
        stream,
        eventIds,
        outcome: classify(r.status, r.error),
        status: r.status,
        error: r.error,
        fromVersion: r.body?.fromVersion as number | undefined,
        position: r.body?.position as number | undefined,
        at: Date.now() - started,
      });
      if (r.status !== 201) await sleep(100);
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  return {
    async stop() {
      stopped = true;
      await Promise.all(running);
      report.durationMs = Date.now() - started;
      return report;
    },
  };
}

export async function post(
  base: string,
  path: string,
  authorization: string,
  body: unknown,
): Promise<{ status: number; error?: string; body?: Record<string, unknown> }> {
  try {
    const r = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: r.status, error: typeof json.error === 'string' ? json.error : undefined, body: json };
  } catch {
    return { status: 0 };
  }
}

/** A store of its own on the cluster, for reading back what the services wrote. */
export function readerStore(prefix: string): { store: ElasticsearchEventStore; client: Client } {
  const client = new Client({ nodes: nodeUrls(), requestTimeout: 30_000 });
  const store = new ElasticsearchEventStore({ client, indexPrefix: prefix, numberOfReplicas: 1 });
  return { store, client };
}

export async function readWholeStream(
  store: ElasticsearchEventStore,
  aggregateId: string,
): Promise<{ version: number; events: StoredEvent[] }> {
  const events: StoredEvent[] = [];
  let version = 0;
  for (;;) {
    const slice = await store
      .readStream(aggregateId, { isAdmin: true, organizationId: 'org-cluster' }, { fromVersion: events.length + 1, maxCount: 1000 })
      .catch((e: unknown) => {
        if ((e as { code?: string }).code === 'StreamNotFound') return null;
        throw e;
      });
    if (!slice) return { version: 0, events };
    version = slice.version;
    events.push(...slice.events);
    if (slice.events.length === 0 || events.length >= version) return { version, events };
  }
}

/** The whole global log, read until its checkpoint reaches the head (the reader fences gaps after their timeout). */
export async function readWholeLog(store: ElasticsearchEventStore): Promise<{ events: StoredEvent[]; head: number }> {
  const events: StoredEvent[] = [];
  let checkpoint = 0;
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const slice = await store.readAll({ after: checkpoint, maxCount: 1000 });
    events.push(...slice.events);
    if (slice.checkpoint === checkpoint && slice.events.length === 0) {
      if (checkpoint >= slice.head) return { events, head: slice.head };
      await sleep(500); // a gap not yet past its timeout
    }
    checkpoint = slice.checkpoint;
  }
  throw new Error('the global log never reached its head');
}

/**
 * Log documents 1..head, raw, walked as readers walk them: from a document's first position to the one after its last.
 * A position the walk reaches with no document is a hole. (A reader's tombstone may sit inside a commit's range when
 * the commit landed first; the walk never reads it.)
 */
export async function logHoles(client: Client, prefix: string, head: number): Promise<number[]> {
  const docs = new Map<number, { lastPosition: number }>();
  for (let from = 1; from <= head; from += 1000) {
    const ids = Array.from({ length: Math.min(1000, head - from + 1) }, (_, i) => String(from + i));
    const r = await client.mget<{ lastPosition: number }>({ index: `${prefix}-log`, ids });
    for (const d of r.docs) if ('found' in d && d.found && d._source) docs.set(Number(d._id), d._source);
  }
  const holes: number[] = [];
  for (let p = 1; p <= head;) {
    const doc = docs.get(p);
    if (doc) p = doc.lastPosition + 1;
    else holes.push(p++);
  }
  return holes;
}
