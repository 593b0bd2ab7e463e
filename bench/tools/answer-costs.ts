/**
 * What the store sends to Elasticsearch to answer appends that write nothing (conflicts, retries) and an append on
 * round 1, through the library: requests per answer, by kind, and the answer's latency, one append at a time. A raw
 * `_create` that conflicts (409) is one request. Usage:
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/tools/answer-costs.ts [appends per kind]
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ExpectedVersion, NewEvent, WriteContext } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { SEARCH_FIELDS } from '../../src/search-fields';
import { dropPrefix, makeClient, resolveElasticsearchUrl } from '../core/elasticsearch';
import { latencyStats, now } from '../core/measure';

const context: WriteContext = {
  userId: 'usr-1',
  organizationId: 'org-1',
  source: 'answer-costs',
  isAdmin: false,
  correlationId: 'answer-costs',
  causationId: 'answer-costs',
};
const event = (): NewEvent => ({ eventId: randomUUID(), eventType: 'Deposited', eventData: { amount: 12, note: 'answer costs' } });

interface Kind {
  name: string;
  /** Sets up what the measured append needs (not counted); returns the measured append. */
  prepare(i: number): Promise<() => Promise<unknown>>;
}

/** Requests the client sends, named `METHOD path` (index prefix and document id named, not spelled). */
function countRequests(client: Client, prefix: string): { take(): string[] } {
  let sent: string[] = [];
  client.diagnostic.on('request', (_err, event) => {
    const p = event?.meta.request.params;
    if (p)
      sent.push(
        `${p.method} ${p.path
          .split(prefix)
          .join('<prefix>')
          .replace(/\/_doc\/[^/]+$/, '/_doc/{id}')}`,
      );
  });
  return {
    take: () => {
      const out = sent;
      sent = [];
      return out;
    },
  };
}

async function main(): Promise<void> {
  const perKind = Number(process.argv[2] ?? 300);
  const url = resolveElasticsearchUrl();
  const prefix = `answer-costs-${Date.now()}`;
  const client = makeClient(url);
  const otherClient = makeClient(url);
  const store = new ElasticsearchEventStore({ client, indexPrefix: prefix, searchFields: SEARCH_FIELDS });
  const other = new ElasticsearchEventStore({ client: otherClient, indexPrefix: prefix, searchFields: SEARCH_FIELDS });
  await store.setup();
  await other.setup();
  const requests = countRequests(client, prefix);
  const append = (s: ElasticsearchEventStore, id: string, events: NewEvent[], expectedVersion: ExpectedVersion) =>
    s.appendToStream(id, events, { aggregateType: 'Account', expectedVersion, context });
  /** A stream at version 2, written by this store (which then knows it exists). */
  const streamAt2 = async (): Promise<string> => {
    const id = `acc-${randomUUID()}`;
    await append(store, id, [event()], 'no_stream');
    await append(store, id, [event()], 1);
    return id;
  };
  const refused = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a refusal');
      },
      () => undefined,
    );
  const kinds: Kind[] = [
    {
      name: 'no_stream to an existing stream (409)',
      prepare: async () => {
        const id = await streamAt2();
        return () => refused(append(store, id, [event()], 'no_stream'));
      },
    },
    {
      name: 'expected version 0 to an existing stream (409)',
      prepare: async () => {
        const id = await streamAt2();
        return () => refused(append(store, id, [event()], 0));
      },
    },
    {
      name: 'stale expected version 1 (409)',
      prepare: async () => {
        const id = await streamAt2();
        return () => refused(append(store, id, [event()], 1));
      },
    },
    {
      name: 'retry of a stored append (answered with it)',
      prepare: async () => {
        const id = await streamAt2();
        const events = [event(), event()];
        await append(store, id, events, 2);
        return () => append(store, id, events, 2);
      },
    },
    {
      name: 'append after another instance appended (round 1)',
      prepare: async () => {
        const id = await streamAt2();
        await append(other, id, [event()], 2);
        return () => append(store, id, [event()], 3);
      },
    },
  ];
  const rows: string[][] = [];
  for (const kind of kinds) {
    const latencies: number[] = [];
    const byRequest = new Map<string, number>();
    for (let i = 0; i < perKind; i++) {
      const measured = await kind.prepare(i);
      await new Promise((r) => setTimeout(r, 20)); // the set-up's last finalisation lands first
      requests.take();
      const t0 = now();
      await measured();
      latencies.push(now() - t0);
      await new Promise((r) => setTimeout(r, 20)); // anything the answer left to finish (a finalisation) is counted
      for (const r of requests.take().filter((x) => !x.includes('_search'))) byRequest.set(r, (byRequest.get(r) ?? 0) + 1);
    }
    const total = [...byRequest.values()].reduce((a, b) => a + b, 0);
    const detail = [...byRequest].map(([r, n]) => `${r} ${(n / perKind).toFixed(2)}`).join(', ');
    rows.push([kind.name, (total / perKind).toFixed(2), latencyStats(latencies).p50Ms.toFixed(2), detail]);
    process.stderr.write(`[answer-costs] ${kind.name}: done (${perKind} appends)\n`);
  }
  console.log(`| append (${perKind} each, one at a time, through the library) | requests per answer | p50 ms | requests |`);
  console.log('| --- | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  await Promise.all([store.close(), other.close()]);
  await dropPrefix(client, prefix);
  await Promise.all([client.close(), otherClient.close()]);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
