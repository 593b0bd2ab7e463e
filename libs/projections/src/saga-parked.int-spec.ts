import type { Client } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import type { ProjectionEngine, SagaDefinition } from '@gyroscops/projections';
import { MAX_PARKED_KEPT } from './consumer-state';
import { dropAll, eventually, ev, makeEngine, makeStore, sleep, testClient, testPrefix, writer } from '../testing/projections-test-support';

/** A saga that fails on the owners listed in `failing`, and records the owners it handled (and, in `tried`, every try). */
function flakySaga(failing: Set<string>, handled: string[], name = 'flaky', tried: string[] = []): SagaDefinition {
  return {
    name,
    eventTypes: ['AccountOpened'],
    async handle(event: StoredEvent) {
      const owner = String(event.eventData.owner);
      tried.push(owner);
      if (failing.has(owner)) throw new Error(`cannot handle ${owner}`);
      handled.push(owner);
    },
  };
}

describe('parked saga events', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  let engine: ProjectionEngine;
  const failing = new Set<string>();
  const handled: string[] = [];

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('saga-parked');
    store = await makeStore(client, prefix);
    engine = makeEngine(client, store, prefix);
    engine.registerSaga(flakySaga(failing, handled));
    engine.start();
  });

  afterAll(async () => {
    await engine.stop();
    await store.close();
    await dropAll(client, prefix);
    await client.close();
  });

  async function parkOne(owner: string): Promise<StoredEvent> {
    failing.add(owner);
    const r = await store.appendToStream(`acc-${owner}`, [ev('AccountOpened', { owner })], {
      aggregateType: 'Account',
      expectedVersion: 'no_stream',
      context: writer(),
    });
    await eventually(
      async () => (await engine.sagaParked('flaky')).parked.some((p) => p.eventId === r.events[0].eventId),
      20000,
      'parking',
    );
    return r.events[0];
  }

  describe('when an operator replays a parked event after the cause is fixed', () => {
    it('runs the handler again and removes the event from the parked list', async () => {
      const parked = await parkOne('replayed');
      expect(handled).not.toContain('replayed');
      failing.delete('replayed');
      await engine.replaySagaParked('flaky', parked.eventId);
      await eventually(async () => (await engine.sagaParked('flaky')).parked.length === 0, 20000, 'the replay');
      expect(handled.filter((o) => o === 'replayed')).toHaveLength(1);
      expect(await engine.sagaParked('flaky')).toMatchObject({ parkedCount: 1, replayRequested: [] });
    });
  });

  describe('when the replayed event fails again', () => {
    it('parks it again with the new error, counted once', async () => {
      const parked = await parkOne('still-broken');
      const before = (await engine.sagaParked('flaky')).parked.find((p) => p.eventId === parked.eventId)!;
      await engine.replaySagaParked('flaky', parked.eventId);
      const after = await eventually(
        async () => {
          const list = await engine.sagaParked('flaky');
          const p = list.parked.find((x) => x.eventId === parked.eventId);
          return list.replayRequested.length === 0 && p && p.parkedAt !== before.parkedAt && list;
        },
        20000,
        'the failed replay',
      );
      expect(after.parked.filter((p) => p.eventId === parked.eventId)).toHaveLength(1);
      expect(after.parkedCount).toBe(2);
    });
  });

  describe('when an operator skips a parked event', () => {
    it('removes it without running the handler', async () => {
      const parked = await parkOne('skipped');
      await engine.skipSagaParked('flaky', parked.eventId);
      expect((await engine.sagaParked('flaky')).parked.map((p) => p.eventId)).not.toContain(parked.eventId);
      expect(handled).not.toContain('skipped');
    });
  });

  it('refuses events that are not parked and sagas that do not exist', async () => {
    await expect(engine.replaySagaParked('flaky', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'PARKED_EVENT.NOT_FOUND',
    });
    await expect(engine.skipSagaParked('nope', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'SAGA.NOT_FOUND' });
  });
});

describe('a saga whose parked list is full', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  let engine: ProjectionEngine;
  const failing = new Set<string>();
  const handled: string[] = [];
  const tried: string[] = [];

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('saga-parked-full');
    store = await makeStore(client, prefix);
    // One try per event: parked at its first failure.
    engine = makeEngine(client, store, prefix, { timings: { maxAttempts: 1 } });
    engine.registerSaga(flakySaga(failing, handled, 'billing', tried));
    engine.start();
  });

  afterAll(async () => {
    await engine.stop();
    await store.close();
    await dropAll(client, prefix);
    await client.close();
  });

  async function open(stream: string, owners: string[]): Promise<StoredEvent[]> {
    const r = await store.appendToStream(
      stream,
      owners.map((owner) => ev('AccountOpened', { owner })),
      { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() },
    );
    return r.events;
  }

  const owners = Array.from({ length: MAX_PARKED_KEPT + 1 }, (_, i) => `unbilled-${i}`);
  let events: StoredEvent[] = [];
  let ok: StoredEvent;

  it('never drops a failing event: the one that finds the list full waits, retried, and the checkpoint stays before it', async () => {
    for (const o of owners) failing.add(o);
    events = await open('resources', owners);
    [ok] = await open('resource-ok', ['billed-after']);
    const waiting = events[MAX_PARKED_KEPT];
    // Settled: the saga went past everything (the old behaviour) or stopped on an event it could not park.
    const status = await eventually(
      async () => {
        const s = await engine.statusOf('billing', 'saga');
        return (s.position >= ok.position || s.failedPosition !== null) && s;
      },
      30000,
      'the saga to settle',
    );
    const list = await engine.sagaParked('billing');
    const parkedIds = new Set(list.parked.map((p) => p.eventId));
    // Every failing event is parked, or still ahead of the checkpoint: none is lost.
    const lost = events.filter((e) => !parkedIds.has(e.eventId) && status.position >= e.position).map((e) => e.eventData.owner);
    expect(lost).toEqual([]);
    // The oldest parked event can still be replayed or skipped by an operator.
    expect(list.parked.map((p) => p.eventId)).toContain(events[0].eventId);
    expect(list.parked).toHaveLength(MAX_PARKED_KEPT);
    expect(list.parkedCount).toBe(MAX_PARKED_KEPT);

    // The 101st waits: the checkpoint is just before it, and the status says why.
    expect(status).toMatchObject({ position: waiting.position - 1, failedPosition: waiting.position, state: 'failed' });
    expect(status.lastError).toContain('cannot handle unbilled-100');
    expect(status.lastError).toContain('parked list is full');
    expect(parkedIds.has(waiting.eventId)).toBe(false);
    // It is retried (at retryMaxMs, 200 ms here), and the saga does not move past it meanwhile.
    const triesBefore = tried.filter((o) => o === 'unbilled-100').length;
    await sleep(1000);
    expect(tried.filter((o) => o === 'unbilled-100').length).toBeGreaterThan(triesBefore);
    expect(await engine.statusOf('billing', 'saga')).toMatchObject({ position: waiting.position - 1, failedPosition: waiting.position });
    expect(handled).not.toContain('billed-after');
  });

  it('parks the waiting event once a replay makes room, then goes on', async () => {
    const waiting = events[MAX_PARKED_KEPT];
    failing.delete('unbilled-0');
    await engine.replaySagaParked('billing', events[0].eventId);
    const list = await eventually(
      async () => {
        const l = await engine.sagaParked('billing');
        return l.parked.some((p) => p.eventId === waiting.eventId) && l;
      },
      20000,
      'the waiting event to be parked',
    );
    expect(handled).toContain('unbilled-0');
    expect(list.parked.map((p) => p.eventId)).not.toContain(events[0].eventId);
    expect(list.parked).toHaveLength(MAX_PARKED_KEPT);
    expect(list.parked[0]).toMatchObject({ eventId: waiting.eventId, error: 'cannot handle unbilled-100' });
    expect(list.parkedCount).toBe(MAX_PARKED_KEPT + 1);
    await eventually(() => handled.includes('billed-after'), 20000, 'the saga to go on');
    const status = await eventually(
      async () => {
        const s = await engine.statusOf('billing', 'saga');
        return s.position >= ok.position && s;
      },
      20000,
      'the checkpoint to move on',
    );
    expect(status).toMatchObject({ failedPosition: null, lastError: 'cannot handle unbilled-100' });
    expect(status.state).not.toBe('failed');
  });

  it('parks the waiting event once a skip makes room', async () => {
    failing.add('unbilled-extra');
    const [extra] = await open('resource-extra', ['unbilled-extra']);
    await eventually(
      async () => (await engine.statusOf('billing', 'saga')).failedPosition === extra.position,
      20000,
      'the list to be full',
    );
    await engine.skipSagaParked('billing', events[1].eventId);
    const list = await eventually(
      async () => {
        const l = await engine.sagaParked('billing');
        return l.parked.some((p) => p.eventId === extra.eventId) && l;
      },
      20000,
      'the waiting event to be parked',
    );
    expect(list.parked).toHaveLength(MAX_PARKED_KEPT);
    expect(list.parkedCount).toBe(MAX_PARKED_KEPT + 2);
    expect(handled).not.toContain('unbilled-1');
    expect(await engine.statusOf('billing', 'saga')).toMatchObject({ position: extra.position, failedPosition: null });
  });
});
