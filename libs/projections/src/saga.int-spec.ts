import type { Client } from '@elastic/elasticsearch';
import { RequestContextStore } from '@gyroscops/context';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import type { ProjectionEngine, SagaDefinition, SagaHandlerContext } from '@gyroscops/projections';
import { dropAll, eventually, ev, makeEngine, makeStore, testClient, testPrefix, writer } from '../testing/projections-test-support';

const scope = { organizationId: 'ops', isAdmin: true };
const never = () => new Promise<never>(() => undefined);

/** Reacts to each opened account by appending WelcomeSent to `welcome-<account>`, as a command handler would. */
function welcomeSaga(store: ElasticsearchEventStore, calls: StoredEvent[], fail?: (e: StoredEvent) => boolean): SagaDefinition {
  return {
    name: 'welcome',
    eventTypes: ['AccountOpened'],
    async handle(event: StoredEvent, context: SagaHandlerContext) {
      calls.push(event);
      if (fail?.(event)) throw new Error(`no welcome for ${String(event.eventData.owner)}`);
      const ctx = RequestContextStore.require();
      await store.appendToStream(
        `welcome-${event.aggregateId}`,
        [{ eventId: context.idFor('welcome'), eventType: 'WelcomeSent', eventData: { to: event.eventData.owner } }],
        {
          aggregateType: 'Welcome',
          expectedVersion: 'any',
          context: {
            correlationId: ctx.correlationId,
            causationId: ctx.causationId,
            userId: ctx.userId,
            organizationId: ctx.organizationId,
            source: ctx.source,
            isAdmin: false,
          },
        },
      );
    },
  };
}

describe('sagas on the global log', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const engines: ProjectionEngine[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    client = testClient();
    prefix = testPrefix('saga');
    store = await makeStore(client, prefix);
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await store.close();
    await dropAll(client, prefix);
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await client.close();
  });

  function engine(saga: SagaDefinition, extra: Parameters<typeof makeEngine>[3] = {}): ProjectionEngine {
    const c = testClient();
    clients.push(c);
    const e = makeEngine(c, store, prefix, extra);
    e.registerSaga(saga);
    engines.push(e);
    return e;
  }

  async function openAccounts(n: number, tag: string): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (let i = 0; i < n; i++) {
      const r = await store.appendToStream(`${tag}-${i}`, [ev('AccountOpened', { owner: `${tag}-owner-${i}` })], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      out.push(...r.events);
    }
    return out;
  }

  describe('when its engine stops while the saga handles the first event of a multi-event append', () => {
    it('the next instance handles the other events of that append', async () => {
      const owners = ['first', 'second', 'third'].map((o) => `${o}-${Date.now()}`);
      const r = await store.appendToStream(
        `batch-${owners[0]}`,
        owners.map((owner) => ev('AccountOpened', { owner })),
        { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() },
      );
      const calls: StoredEvent[] = [];
      let release!: () => void;
      const held = new Promise<void>((res) => (release = res));
      let stopping: Promise<void> | null = null;
      const base = welcomeSaga(store, calls);
      const first = engine({
        ...base,
        async handle(event, context) {
          if (event.eventData.owner === owners[0] && !stopping) {
            stopping = first.stop();
            await held;
          }
          // Every reaction appends to the same stream here, keyed by the triggering event (idempotent by id).
          await base.handle({ ...event, aggregateId: `${event.aggregateId}-${String(event.eventData.owner)}` }, context);
        },
      });
      first.start();
      await eventually(() => stopping !== null, 20000, 'the engine to be stopping mid-commit');
      release();
      await stopping;

      const handled: string[] = [];
      const next = engine({
        ...base,
        async handle(event) {
          handled.push(String(event.eventData.owner));
        },
      });
      next.start();
      await eventually(async () => (await next.status())[0].position >= r.position, 20000, 'the next instance to catch up');
      expect(handled).toEqual(expect.arrayContaining(owners.slice(1)));
      expect(handled.filter((o) => o === owners[1] || o === owners[2])).toHaveLength(2);
    });
  });

  describe('when the saga crashes between its commands and its checkpoint', () => {
    it('reacts once per triggering event, with correlation and causation from it', async () => {
      const triggers = await openAccounts(8, 'acc');
      const calls: StoredEvent[] = [];
      let crashed = false;
      const victim: ProjectionEngine = engine(welcomeSaga(store, calls), {
        faults: {
          beforeCheckpoint: async () => {
            crashed = true;
            victim.kill();
            return never();
          },
        },
      });
      victim.start();
      await eventually(() => crashed, 20000, 'the saga to crash');
      const handledBeforeCrash = calls.length;
      expect(handledBeforeCrash).toBeGreaterThan(0);

      const survivor = engine(welcomeSaga(store, calls));
      survivor.start();
      const last = triggers[triggers.length - 1].position;
      await eventually(async () => (await survivor.status())[0].position >= last, 20000, 'the survivor to catch up');

      // The survivor handled again what the victim had handled, and the idempotent appends made it harmless.
      expect(calls.length).toBeGreaterThanOrEqual(triggers.length + Math.min(handledBeforeCrash, triggers.length));
      for (const t of triggers) {
        const reaction = await store.readStream(`welcome-${t.aggregateId}`, scope);
        expect(reaction.events).toHaveLength(1);
        expect(reaction.events[0]).toMatchObject({
          eventType: 'WelcomeSent',
          correlationId: t.correlationId,
          causationId: t.eventId,
          metadata: { organizationId: t.metadata.organizationId, source: 'saga', userId: 'saga:welcome' },
        });
      }
    });
  });

  describe('when a handler keeps failing on one event', () => {
    it('parks it with its error, visible in the status, and moves on', async () => {
      const calls: StoredEvent[] = [];
      const e = engine(welcomeSaga(store, calls, (ev2) => ev2.eventData.owner === 'bad-owner-1'));
      e.start();
      const triggers = await openAccounts(3, 'bad');
      const last = triggers[2].position;
      const status = await eventually(
        async () => {
          const [s] = await e.status();
          return s.position >= last && s;
        },
        20000,
        'the saga to pass the failing event',
      );
      expect(status).toMatchObject({ kind: 'saga', name: 'welcome', parkedCount: 1, lastError: 'no welcome for bad-owner-1' });
      expect(status.parked).toEqual([
        expect.objectContaining({
          eventId: triggers[1].eventId,
          position: triggers[1].position,
          error: 'no welcome for bad-owner-1',
          attempts: 3,
        }),
      ]);
      expect(calls.filter((c) => c.eventId === triggers[1].eventId)).toHaveLength(3);
      expect((await store.readStream(`welcome-${triggers[2].aggregateId}`, scope)).events).toHaveLength(1);
      await expect(store.readStream(`welcome-${triggers[1].aggregateId}`, scope)).rejects.toMatchObject({ code: 'StreamNotFound' });
    });
  });
});
