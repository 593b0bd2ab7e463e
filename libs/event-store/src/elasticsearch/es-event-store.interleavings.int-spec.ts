import { randomUUID } from 'node:crypto';
import { errors, type Client } from '@elastic/elasticsearch';
import { AppendOutcomeUnknownError, DuplicateEventError } from '@gyroscops/event-store';
import { type ElasticsearchEventStore, type EsEventStoreOptions } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, testClient, testPrefix } from '../../testing/es-test-support';

/**
 * Regression tests for interleavings found by an audit (issue 11): each drives one schedule by holding or
 * faking chosen requests of one store instance's client, against a real Elasticsearch.
 */

type Call = (params: Record<string, unknown>) => Promise<unknown>;
/** Decides what happens to one request: pass it through (`call(params)`), delay it, or answer something else. */
type Hook = (method: string, params: Record<string, unknown>, call: Call) => Promise<unknown>;

/** A client whose top-level request methods go through `hook`; everything else is the real client. */
function intercepted(real: Client, hook: Hook): Client {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !['get', 'mget', 'index', 'bulk'].includes(prop) || typeof value !== 'function') return value;
      return (params: Record<string, unknown>, opts?: unknown) =>
        hook(prop, params, (p) => (value as (p: unknown, o?: unknown) => Promise<unknown>).call(target, p, opts));
    },
  });
}

function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when the request is an `mget` that reads heads of `streamsIndex` (alone, or with event ids in one request). */
function readsHeads(method: string, params: Record<string, unknown>, streamsIndex: string): boolean {
  if (method !== 'mget') return false;
  const docs = params.docs as { _index?: string }[] | undefined;
  return params.index === streamsIndex || !!docs?.some((d) => d._index === streamsIndex);
}

/** True when the bulk carries a `create` into the log index, i.e. it is a commit round. */
function isCommitBulk(params: Record<string, unknown>, logIndex: string): boolean {
  const lines = (params.operations ?? []) as Record<string, unknown>[];
  return lines.some((line, i) => (line.create as { _index?: string } | undefined)?._index === logIndex && lines[i + 1]?.kind === 'commit');
}

describe('Elasticsearch event store under chosen interleavings', () => {
  let client: Client;
  let prefix: string;
  let s1: ElasticsearchEventStore;
  const others: ElasticsearchEventStore[] = [];
  const clients: Client[] = [];
  const second = async (hook: Hook, extra: Partial<EsEventStoreOptions> = {}) => {
    const c = testClient();
    clients.push(c);
    const s = await makeEsStore(intercepted(c, hook), prefix, extra);
    others.push(s);
    return s;
  };

  /** A request, named by its method and the indices it touches; a finalisation (a head written without a lease) is named so. */
  const describeCall = (method: string, params: Record<string, unknown>): string => {
    if (method === 'mget' && params.docs)
      return `mget ${[...new Set((params.docs as { _index: string }[]).map((d) => d._index.replace(`${prefix}-`, '')))].sort().join(',')}`;
    if (method !== 'bulk') return `${method} ${String(params.index).replace(`${prefix}-`, '')}`;
    const lines = (params.operations ?? []) as Record<string, unknown>[];
    if (lines.some((l) => l.pending === null)) return 'finalise';
    const indices = new Set<string>();
    for (const l of lines) {
      const meta = (l.index ?? l.create ?? l.delete) as { _index?: string } | undefined;
      if (meta?._index) indices.add(meta._index.replace(`${prefix}-`, ''));
    }
    return `bulk ${[...indices].sort().join(',')}`;
  };

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('interleave');
    s1 = await makeEsStore(client, prefix);
  });
  afterAll(async () => {
    await Promise.all([s1, ...others].map((s) => s.close()));
    await dropPrefix(client, prefix);
    await client.close();
    await Promise.all(clients.map((c) => c.close()));
  });

  describe('when a retry of the same append reaches another instance whose head read is slow', () => {
    it('stores the eventId once and answers the retry with the original versions', async () => {
      const aggregateId = `slow-head-${randomUUID()}`;
      const held = gate();
      let holding = true;
      const s2 = await second(async (method, params, call) => {
        if (holding && readsHeads(method, params, s1.names.streams)) {
          holding = false;
          await held.wait;
        }
        return call(params);
      });
      const e = ev('Deposited', { amount: 1 }, { eventId: randomUUID() });
      const retry = s2.appendToStream(aggregateId, [e], { aggregateType: 'Account', expectedVersion: 'any', context: writer() });
      await sleep(100); // s2's head and id read (one mget) is held
      expect(holding).toBe(false); // the hold took
      const first = await s1.appendToStream(aggregateId, [e], { aggregateType: 'Account', expectedVersion: 'any', context: writer() });
      await s1.readStream(aggregateId, reader()); // the first append is finalised or readable
      await sleep(100);
      held.open();
      const again = await retry;
      expect(again).toMatchObject({ fromVersion: 1, version: 1, position: first.position });
      const slice = await s1.readStream(aggregateId, reader());
      expect(slice.events.map((x) => x.eventId)).toEqual([e.eventId]);
    });
  });

  describe('when an append that does not pin a version allocates its position before a faster append to the same stream', () => {
    it('still gives the stream increasing log positions with increasing versions', async () => {
      const aggregateId = `order-${randomUUID()}`;
      await s1.appendToStream(aggregateId, [ev('Opened')], { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() });
      const held = gate();
      let holding = true;
      const s2 = await second(async (method, params, call) => {
        if (holding && readsHeads(method, params, s1.names.streams)) {
          holding = false;
          await held.wait;
        }
        return call(params);
      });
      const slow = s2.appendToStream(aggregateId, [ev('Slow')], { aggregateType: 'Account', expectedVersion: 'any', context: writer() });
      await sleep(100); // s2 has allocated its position; its head read is held
      expect(holding).toBe(false); // the hold took
      await s1.appendToStream(aggregateId, [ev('Fast')], { aggregateType: 'Account', expectedVersion: 'any', context: writer() });
      await s1.readStream(aggregateId, reader());
      await sleep(100);
      held.open();
      await slow;
      const slice = await s1.readStream(aggregateId, reader());
      expect(slice.events.map((x) => x.eventType)).toEqual(['Opened', 'Fast', 'Slow']);
      const positions = slice.events.map((x) => x.position);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      // The global log delivers the stream in version order too.
      const fromLog: number[] = [];
      let checkpoint = positions[0] - 1;
      for (let i = 0; i < 100 && fromLog.length < 3; i++) {
        const page = await s1.readAll({ after: checkpoint, maxCount: 50 });
        fromLog.push(...page.events.filter((x) => x.aggregateId === aggregateId).map((x) => x.version));
        checkpoint = page.checkpoint;
        if (fromLog.length < 3) await sleep(50);
      }
      expect(fromLog).toEqual([1, 2, 3]);
    });
  });

  describe('when the commit request times out on the client while Elasticsearch still applies it', () => {
    it('never answers that nothing was recorded: it settles the outcome itself and stores the append exactly once', async () => {
      const aggregateId = `lost-ack-${randomUUID()}`;
      let faulted = false;
      let late: Promise<unknown> = Promise.resolve();
      const s2 = await second(async (method, params, call) => {
        if (!faulted && method === 'bulk' && isCommitBulk(params, s1.names.log)) {
          faulted = true;
          // The request reaches Elasticsearch a little later; the client has already given up on it.
          late = sleep(150).then(() => call(params).catch(() => undefined));
          throw new errors.TimeoutError('Request timed out');
        }
        return call(params);
      });
      const outcome = await s2
        .appendToStream(aggregateId, [ev('Deposited', { amount: 5 })], {
          aggregateType: 'Account',
          expectedVersion: 'any',
          context: writer(),
        })
        .then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        );
      await late;
      expect(faulted).toBe(true);
      const slice = await s1.readStream(aggregateId, reader()).catch(() => null);
      if (outcome.ok) {
        expect(slice?.events.map((x) => x.eventType)).toEqual(['Deposited']);
      } else {
        // The only acceptable failure is one that says the outcome is unknown (retry with the same ids).
        expect(outcome.e).toBeInstanceOf(AppendOutcomeUnknownError);
      }
    });
  });

  describe('when a commit item is answered 429', () => {
    it('settles it (the item was not applied) and retries the append instead of failing it', async () => {
      const aggregateId = `commit-429-${randomUUID()}`;
      let faulted = false;
      const s2 = await second(async (method, params, call) => {
        if (!faulted && method === 'bulk' && isCommitBulk(params, s1.names.log)) {
          faulted = true;
          const ops = params.operations as unknown[];
          return {
            errors: true,
            took: 1,
            items: ops
              .filter((_, i) => i % 2 === 0)
              .map(() => ({ create: { _index: s1.names.log, status: 429, error: { type: 'es_rejected_execution_exception' } } })),
          };
        }
        return call(params);
      });
      const r = await s2.appendToStream(aggregateId, [ev('Deposited')], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect(faulted).toBe(true);
      expect(r.version).toBe(1);
      const next = await s1.appendToStream(aggregateId, [ev('Deposited')], {
        aggregateType: 'Account',
        expectedVersion: 1,
        context: writer(),
      });
      expect(next.version).toBe(2);
    });
  });

  describe('when a round fails before its commit (the lease write gets no answer)', () => {
    it('fences the positions it allocated at once, so no reader waits a gap timeout on them', async () => {
      const aggregateId = `failed-round-${randomUUID()}`;
      let faulted = false;
      const s2 = await second(async (method, params, call) => {
        const lines = (params.operations ?? []) as Record<string, { _index?: string } | undefined>[];
        if (
          !faulted &&
          method === 'bulk' &&
          lines.some((l) => l.create?._index === s1.names.streams || l.index?._index === s1.names.streams)
        ) {
          faulted = true;
          throw new errors.ConnectionError('socket hang up');
        }
        return call(params);
      });
      const before = await s1.headPosition();
      const r = await s2.appendToStream(aggregateId, [ev('Opened')], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      expect(faulted).toBe(true);
      const head = await s1.headPosition();
      expect(head).toBeGreaterThan(r.position - 1);
      // Every position this test allocated is covered by a log document (a commit or a tombstone) already.
      const ids = Array.from({ length: head - before }, (_, i) => String(before + 1 + i));
      const docs = await client.mget<{ firstPosition: number; lastPosition: number }>({ index: s1.names.log, ids });
      const covered = new Set<number>();
      for (const d of docs.docs) {
        if ('found' in d && d.found && d._source) for (let p = d._source.firstPosition; p <= d._source.lastPosition; p++) covered.add(p);
      }
      const mine = Array.from({ length: r.position - before }, (_, i) => before + 1 + i);
      expect(mine.filter((p) => !covered.has(p))).toEqual([]);
    });
  });

  describe('when many large appends arrive at once', () => {
    it('bounds every bulk request by the batch byte limit and stores them all', async () => {
      let largest = 0;
      const c = testClient();
      clients.push(c);
      const bounded = await makeEsStore(
        intercepted(c, async (method, params, call) => {
          if (method === 'bulk') largest = Math.max(largest, Buffer.byteLength(JSON.stringify(params.operations)));
          return call(params);
        }),
        prefix,
        { maxBatchBytes: 600_000 },
      );
      others.push(bounded);
      const blob = 'x'.repeat(200_000);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          bounded.appendToStream(`large-${i}-${randomUUID()}`, [ev('Large', { blob })], {
            aggregateType: 'Blob',
            expectedVersion: 'no_stream',
            context: writer(),
          }),
        ),
      );
      expect(results.every((r) => r.version === 1)).toBe(true);
      // Three 200 KB appends fit in a batch; their derived documents carry the payload about three times over.
      expect(largest).toBeLessThan(600_000 * 4);
    });
  });

  describe('when readers fenced positions inside a commit that then landed (stray tombstones, found by the harness: seeds 5868, 7807)', () => {
    it('a reader from a checkpoint inside that commit still gets the rest of it', async () => {
      const aggregateId = `strays-${randomUUID()}`;
      const r = await s1.appendToStream(aggregateId, [ev('M1'), ev('M2'), ev('M3')], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      const [, p2, p3] = r.events.map((e) => e.position);
      // What readers that timed out on the in-flight commit leave behind: their creates inside its range succeeded.
      for (const p of [p2, p3]) {
        await client.index({
          index: s1.names.log,
          id: String(p),
          op_type: 'create',
          document: { kind: 'tombstone', firstPosition: p, lastPosition: p, reason: 'gap timeout' },
        });
      }
      const fresh = await second(async (_m, params, call) => call(params));
      const page = await fresh.readAll({ after: p2, maxCount: 10 });
      expect(page.events.filter((e) => e.aggregateId === aggregateId).map((e) => e.eventType)).toEqual(['M3']);
    });
  });
  describe('when a reader starts from a checkpoint inside a commit still in flight (found by the harness: seed 700334)', () => {
    it('fences from where that commit may start, so it never passes an event the commit then stores', async () => {
      const aggregateId = `in-flight-${randomUUID()}`;
      const reached = gate();
      const held = gate();
      let first = 0;
      const s2 = await second(async (method, params, call) => {
        if (method === 'bulk' && isCommitBulk(params, s1.names.log) && JSON.stringify(params.operations).includes(aggregateId)) {
          const lines = params.operations as Record<string, { _id?: string } | undefined>[];
          first = Number(lines.find((l) => l.create)?.create?._id);
          reached.open();
          await held.wait;
        }
        return call(params);
      });
      const pending = s2.appendToStream(aggregateId, [ev('M1'), ev('M2'), ev('M3')], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      await reached.wait; // its commit (positions first..first+2) is sent, not applied
      const after = first + 1; // e.g. a checkpoint a runner stored mid-append
      const reader = await second(async (_m, params, call) => call(params));
      const delivered: number[] = [];
      let checkpoint = after;
      const poll = async () => {
        const page = await reader.readAll({ after: checkpoint, maxCount: 100 });
        delivered.push(...page.events.map((e) => e.position));
        checkpoint = page.checkpoint;
      };
      for (let i = 0; i < 15; i++, await sleep(100)) await poll(); // past the gap timeout (1 s): the reader fences
      held.open();
      const r = await pending; // its commit lost to the fence, or landed: either way stored once, somewhere
      for (let i = 0; i < 50 && checkpoint < r.position; i++, await sleep(100)) await poll();
      // Every event of the append past the checkpoint reached the reader. Before, the reader fenced only the
      // positions after the checkpoint; the commit, stored under its first position, then landed over them.
      expect(r.events.map((e) => e.position).filter((p) => p > after && !delivered.includes(p))).toEqual([]);
      expect(checkpoint).toBeGreaterThanOrEqual(r.position);
    });
  });

  describe('when a retention change reveals versions again while a reader reads the stream (Schemathesis, whole npm test runs)', () => {
    it('the reader gets every visible event, from the log while their search documents are not back yet, never "committed but missing"', async () => {
      const aggregateId = `reveal-${randomUUID()}`;
      await s1.appendToStream(aggregateId, [ev('E1'), ev('E2'), ev('E3')], {
        aggregateType: 'Thing',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      const asAdmin = { reason: 'interleaving test', context: writer('org-a', 'ops', { isAdmin: true }) };
      await s1.setStreamRetention(aggregateId, { maxCount: 1 }, asAdmin);
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.eventType)).toEqual(['E3']);
      // The admin instance's re-derivation of the revealed versions is held until the reader has read.
      const held = gate();
      let holding = true;
      const admin = await second(async (method, params, call) => {
        const ops = (params.operations ?? []) as Record<string, { _index?: string } | undefined>[];
        if (holding && method === 'bulk' && ops.some((op) => op.index?._index === s1.names.events)) {
          holding = false;
          await held.wait;
        }
        return call(params);
      });
      const reveal = admin.setStreamRetention(aggregateId, {}, asAdmin);
      for (let i = 0; i < 100 && holding; i++) await sleep(20);
      expect(holding).toBe(false); // the head says E1..E3 are visible; their search documents are not written yet
      try {
        const slice = await s1.readStream(aggregateId, reader());
        expect(slice.events.map((e) => e.eventType)).toEqual(['E1', 'E2', 'E3']);
      } finally {
        held.open();
        await reveal;
      }
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.eventType)).toEqual(['E1', 'E2', 'E3']);
    });
  });

  describe('when appends to one stream queue up behind each other in one instance (a hot aggregate)', () => {
    it('lets each lease finalise the previous append: versions gapless, one head write per append plus the last finalisation', async () => {
      const aggregateId = `hot-${randomUUID()}`;
      let headWrites = 0;
      const s2 = await second(async (method, params, call) => {
        const ops = (params.operations ?? []) as Record<string, { _index?: string } | undefined>[];
        if (method === 'bulk') headWrites += ops.filter((op) => (op.index ?? op.create)?._index === s1.names.streams).length;
        return call(params);
      });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          s2.appendToStream(aggregateId, [ev('Deposited', { i })], { aggregateType: 'Account', expectedVersion: 'any', context: writer() }),
        ),
      );
      expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const headNow = async () =>
        (await client.get<{ version: number; pending: unknown }>({ index: s1.names.streams, id: aggregateId }))._source;
      for (let i = 0; i < 100 && (await headNow())?.pending; i++) await sleep(20); // the last finalisation, after the answer
      const head = await headNow();
      expect(head).toMatchObject({ version: 8, pending: null });
      // Without the hand-over each append wrote its lease and its finalisation: 16 head writes.
      expect(headWrites).toBeLessThan(12);
      const slice = await s1.readStream(aggregateId, reader());
      expect(slice.events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });
  });

  describe('when an append carries client event ids', () => {
    it('writes each id once, its reservation, and still recognises a retry and a duplicate after the append is finalised', async () => {
      const aggregateId = `ids-once-${randomUUID()}`;
      let idWrites = 0;
      const s2 = await second(async (method, params, call) => {
        const ops = (params.operations ?? []) as Record<string, { _index?: string } | undefined>[];
        if (method === 'bulk') idWrites += ops.filter((op) => (op.index ?? op.create)?._index === s1.names.eventIds).length;
        return call(params);
      });
      const events = [1, 2, 3].map((n) => ev('Deposited', { n }, { eventId: randomUUID() }));
      const options = { aggregateType: 'Account', expectedVersion: 'no_stream' as const, context: writer() };
      const first = await s2.appendToStream(aggregateId, events, options);
      await s2.readStream(aggregateId, reader());
      await sleep(200); // finalised
      expect(idWrites).toBe(3);
      // A retry (another instance, the head now finalised) is answered with the stored versions, and writes nothing.
      const retry = await s1.appendToStream(aggregateId, events, options);
      expect(retry).toMatchObject({ fromVersion: 1, version: 3, position: first.position });
      await expect(
        s1.appendToStream(`ids-other-${randomUUID()}`, [events[1]], { ...options, expectedVersion: 'any' }),
      ).rejects.toBeInstanceOf(DuplicateEventError);
      expect((await s1.getEvent(events[2].eventId as string, reader())).version).toBe(3);
    });
  });

  describe('when an append creates a new stream (its positions claimed in the lease bulk)', () => {
    const created = (eventId?: string) => [ev('Opened', { n: 1 }, eventId ? { eventId } : {})];
    const newStream = { aggregateType: 'Account', expectedVersion: 'no_stream' as const, context: writer() };

    it('sends three requests before its answer: no head, event id or counter round trip of its own', async () => {
      const calls: string[] = [];
      let counting = false;
      const s2 = await second(async (method, params, call) => {
        if (counting) calls.push(describeCall(method, params));
        return call(params);
      });
      await s2.appendToStream(`claim-warm-${randomUUID()}`, created(), newStream); // this instance now knows the counter
      await sleep(100); // its finalisation
      const aggregateId = `claim-${randomUUID()}`;
      const eventId = randomUUID();
      counting = true;
      const r = await s2.appendToStream(aggregateId, created(eventId), newStream);
      counting = false;
      // Before: mget streams, mget event-ids, index meta (round 1), then the lease, commit and derived bulks.
      expect(calls.filter((c) => c !== 'finalise')).toEqual(['bulk event-ids,meta,streams', 'bulk log', 'bulk events']);
      expect(r).toMatchObject({ fromVersion: 1, version: 1 });
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.eventId)).toEqual([eventId]);
      // The id was reserved by the claimed round: a retry is recognised, the same id elsewhere refused.
      expect(await s1.appendToStream(aggregateId, created(eventId), newStream)).toMatchObject({ version: 1, position: r.position });
      await expect(s1.appendToStream(`claim-other-${randomUUID()}`, created(eventId), newStream)).rejects.toBeInstanceOf(
        DuplicateEventError,
      );
    });

    it('when another instance moved the counter since, gives back what its bulk wrote and goes through round 1: stored once, nothing fenced', async () => {
      const deleted: string[] = [];
      const s2 = await second(async (method, params, call) => {
        if (method === 'bulk')
          for (const l of (params.operations ?? []) as Record<string, { _index?: string; _id?: string } | undefined>[])
            if (l.delete) deleted.push(`${String(l.delete._index).replace(`${prefix}-`, '')}/${l.delete._id}`);
        return call(params);
      });
      const warm = await s2.appendToStream(`claim-warm-${randomUUID()}`, created(), newStream);
      const other = await s1.appendToStream(`claim-moved-${randomUUID()}`, created(), newStream); // s2's counter is stale now
      const aggregateId = `claim-${randomUUID()}`;
      const eventId = randomUUID();
      const r = await s2.appendToStream(aggregateId, created(eventId), newStream);
      expect(deleted.sort()).toEqual([`event-ids/${eventId}`, `streams/${aggregateId}`]);
      expect(r.fromVersion).toBe(1);
      expect(r.position).toBeGreaterThan(other.position);
      // The claimed position was the other instance's: not fenced, so the log delivers both appends in order.
      const page = await s1.readAll({ after: warm.position, maxCount: 10 });
      expect(page.events.map((e) => [e.aggregateId, e.position])).toEqual([
        [other.aggregateId, other.position],
        [aggregateId, r.position],
      ]);
    });

    it('when the instance dies before giving back a claim that was not its own, fencing its lease hides no one else’s commit', async () => {
      // s2 claims c+1..c+3 from a stale counter value; meanwhile c+1 is s3's append in flight and c+2..c+3 a commit of
      // s1's. s2 dies before giving its lease back. Fencing that lease over its whole range would put a tombstone at c+1
      // covering c+2..c+3, and the log walk would jump past s1's commit.
      let dead = false;
      const s2 = await second(async (method, params, call) => {
        if (dead) return new Promise(() => undefined);
        const r = await call(params);
        const lines = (params.operations ?? []) as Record<string, { _index?: string } | undefined>[];
        if (method === 'bulk' && lines.some((l) => l.index?._index === s1.names.meta)) dead = true; // right after the claim
        return r;
      });
      const warm = await s2.appendToStream(`claim-warm-${randomUUID()}`, created(), newStream);
      const held = gate();
      const reached = gate();
      const inFlight = `claim-in-flight-${randomUUID()}`;
      const s3 = await second(async (method, params, call) => {
        if (method === 'bulk' && isCommitBulk(params, s1.names.log) && JSON.stringify(params.operations).includes(inFlight)) {
          reached.open();
          await held.wait;
        }
        return call(params);
      });
      const a = s3.appendToStream(inFlight, created(), newStream);
      await reached.wait; // s3 holds c+1 and has sent its commit, not yet applied
      const b = await s1.appendToStream(`claim-committed-${randomUUID()}`, [ev('Opened', { n: 1 }), ev('Deposited', { n: 2 })], newStream);
      expect([b.position - 1, b.position]).toEqual([warm.position + 2, warm.position + 3]);
      const dying = `claim-dying-${randomUUID()}`;
      s2.appendToStream(dying, [ev('Opened', { n: 1 }), ev('Deposited', { n: 2 }), ev('Deposited', { n: 3 })], newStream).catch(
        () => undefined,
      );
      for (let i = 0; i < 100 && !dead; i++) await sleep(10);
      expect(dead).toBe(true);
      await sleep(1200); // its lease (1 s) expires
      // The next writer to that stream settles the lease s2 left.
      const c = await s1.appendToStream(dying, created(), newStream);
      expect(c.version).toBe(1);
      held.open();
      const ra = await a; // its commit lost to the fence at c+1: it went round again at fresh positions
      expect(ra.position).toBeGreaterThan(b.position);
      const page = await s1.readAll({ after: warm.position, maxCount: 20 });
      expect(page.events.map((e) => e.position).sort((x, y) => x - y)).toEqual(
        [b.position - 1, b.position, ra.position, c.position].sort((x, y) => x - y),
      );
    });
  });

  describe('when a contended stream’s next append follows its previous one in the same instance (a hot aggregate)', () => {
    const opts = (expectedVersion: number | 'any') => ({ aggregateType: 'Account', expectedVersion, context: writer() });
    /** The head a committed append leaves waits (unfinalised) this long for the next one: long enough for any machine. */
    const lingering = { hotStreamLingerMs: 1000 };
    /** Two appends to a new stream at once: the second queues behind the first, so the stream counts as contended. */
    const contended = async (s: ElasticsearchEventStore, aggregateId: string) => {
      await Promise.all([0, 1].map((n) => s.appendToStream(aggregateId, [ev('Deposited', { n })], opts('any'))));
    };

    /**
     * A second instance on a contended stream, whose next append (version 3) is committed and then held before its
     * derived documents: `release` lets it finish; `bulks` records every bulk the instance sends.
     */
    const heldBeforeDerive = async (aggregateId: string) => {
      const bulks: Record<string, unknown>[][] = [];
      let hold: { wait: Promise<void>; open(): void } | null = null;
      const s = await second(async (method, params, call) => {
        const lines = (params.operations ?? []) as Record<string, unknown>[];
        if (method === 'bulk') bulks.push(lines);
        if (hold && method === 'bulk' && lines.some((l) => (l.index as { _index?: string } | undefined)?._index === s1.names.events)) {
          const held = hold;
          hold = null;
          await held.wait;
        }
        return call(params);
      }, lingering);
      await contended(s, aggregateId);
      const gateDerived = gate();
      hold = gateDerived;
      const pending = s.appendToStream(aggregateId, [ev('Deposited', { n: 2 })], opts(2));
      for (let i = 0; i < 100 && hold; i++) await sleep(5); // committed; its derived documents are held
      return { s, bulks, pending, release: () => gateDerived.open() };
    };

    it('takes the head its previous append left unfinalised and claims its positions in the lease bulk: three requests each', async () => {
      const calls: string[] = [];
      let counting = false;
      const s2 = await second(async (method, params, call) => {
        if (counting) calls.push(describeCall(method, params));
        return call(params);
      }, lingering);
      const aggregateId = `hot-claim-${randomUUID()}`;
      await contended(s2, aggregateId);
      const eventId = randomUUID();
      const retried = [ev('Deposited', { n: 2 }, { eventId })];
      counting = true;
      const r3 = await s2.appendToStream(aggregateId, retried, opts(2));
      const r4 = await s2.appendToStream(aggregateId, [ev('Deposited', { n: 3 }, { eventId: randomUUID() })], opts(3));
      counting = false;
      // Before: round 1 (the counter's compare-and-set, the ids' mget, waiting for the previous finalisation), the
      // lease, commit and derived bulks, then a finalisation of its own: five requests each.
      expect(calls).toEqual([
        'bulk event-ids,meta,streams',
        'bulk log',
        'bulk events',
        'bulk event-ids,meta,streams',
        'bulk log',
        'bulk events',
      ]);
      expect([r3.version, r4.version]).toEqual([3, 4]);
      expect(r4.position).toBeGreaterThan(r3.position);
      const headNow = async () =>
        (await client.get<{ version: number; pending: unknown }>({ index: s1.names.streams, id: aggregateId }))._source;
      for (let i = 0; i < 100 && (await headNow())?.pending; i++) await sleep(20); // the last head waits a moment, then is finalised
      expect(await headNow()).toMatchObject({ version: 4, pending: null });
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      // The id reserved by the claimed round: a retry on another instance is answered with the stored append.
      expect(await s1.appendToStream(aggregateId, retried, opts(2))).toMatchObject({ version: 3, position: r3.position });
    });

    it('when another instance moved the counter meanwhile, writes the head back as it was and goes through round 1', async () => {
      const aggregateId = `hot-moved-${randomUUID()}`;
      const { s: s2, bulks, pending: pending3, release } = await heldBeforeDerive(aggregateId);
      const other = await s1.appendToStream(`hot-other-${randomUUID()}`, [ev('Opened', { n: 1 })], opts('any')); // s2's counter is stale now
      release();
      const r3 = await pending3;
      bulks.length = 0;
      const eventId = randomUUID();
      const r4 = await s2.appendToStream(aggregateId, [ev('Deposited', { n: 3 }, { eventId })], opts(3));
      // The claim was refused: its reservation deleted and the head written back, finalised at version 3, no lease.
      const withdrawn = bulks.find((lines) => lines.some((l) => (l.delete as { _id?: string } | undefined)?._id === eventId));
      expect(withdrawn).toContainEqual(expect.objectContaining({ aggregateId, version: 3, pending: null }));
      expect(r4.version).toBe(4);
      expect(r4.position).toBeGreaterThan(other.position);
      expect(other.position).toBeGreaterThan(r3.position);
      // The positions it claimed were the other instance's: nothing fenced, the log delivers all three in order.
      const page = await s1.readAll({ after: r3.position - 1, maxCount: 10 });
      expect(page.events.map((e) => e.position)).toEqual([r3.position, other.position, r4.position]);
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    });

    it('answers a retry queued right behind its own append with the stored versions, in one round of the protocol', async () => {
      let allocations = 0;
      const s2 = await second(async (method, params, call) => {
        if (method === 'index' && String(params.index).endsWith('-meta')) allocations++;
        return call(params);
      }, lingering);
      const newStream = { ...opts('any'), expectedVersion: 'no_stream' as const };
      // A retry the held head takes as a new append (expected `any`): its id's reservation is refused, round 1 judges it.
      const aggregateId = `hot-retry-${randomUUID()}`;
      await contended(s2, aggregateId);
      const deposited = [ev('Deposited', { n: 2 }, { eventId: randomUUID() })];
      const stored = await s2.appendToStream(aggregateId, deposited, opts(2));
      allocations = 0;
      expect(await s2.appendToStream(aggregateId, deposited, opts('any'))).toMatchObject({ version: 3, position: stored.position });
      await sleep(200);
      // One round 1 (its counter compare-and-set); the append was put back in the queue once, not twice.
      expect(allocations).toBe(1);
      // A retry the held head alone would refuse (its stream exists): its ids decide.
      const other = `hot-retry-${randomUUID()}`;
      const opened = [ev('Opened', { n: 0 }, { eventId: randomUUID() })];
      const [first] = await Promise.all([
        s2.appendToStream(other, opened, newStream),
        s2.appendToStream(other, [ev('Deposited', { n: 1 })], opts('any')),
      ]);
      expect(await s2.appendToStream(other, opened, newStream)).toMatchObject({ version: 1, position: first.position });
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.version)).toEqual([1, 2, 3]);
    });

    it('never refuses an append against the head it holds: another instance may have moved the stream since (review of the hand-over)', async () => {
      const aggregateId = `hot-moved-on-${randomUUID()}`;
      const { s: s2, pending: pending3, release } = await heldBeforeDerive(aggregateId);
      // Another instance meets the lease, rolls the commit forward and appends version 4.
      const r4 = await s1.appendToStream(aggregateId, [ev('Deposited', { n: 3 })], opts(3));
      expect(r4.version).toBe(4);
      release();
      expect((await pending3).version).toBe(3);
      // The head s2 holds says version 3; the stream is at 4, as the client knows: the append is written, not refused.
      const r5 = await s2.appendToStream(aggregateId, [ev('Deposited', { n: 4 })], opts(4));
      expect(r5.version).toBe(5);
      expect((await s1.readStream(aggregateId, reader())).events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    });
  });
});
