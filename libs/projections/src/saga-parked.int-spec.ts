import type { Client } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import type { ProjectionEngine, SagaDefinition } from '@gyroscops/projections';
import { dropAll, eventually, ev, makeEngine, makeStore, testClient, testPrefix, writer } from '../testing/projections-test-support';

/** A saga that fails on the owners listed in `failing`, and records the owners it handled. */
function flakySaga(failing: Set<string>, handled: string[]): SagaDefinition {
  return {
    name: 'flaky',
    eventTypes: ['AccountOpened'],
    async handle(event: StoredEvent) {
      const owner = String(event.eventData.owner);
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
