import type { Client } from '@elastic/elasticsearch';
import type { EventStore, StoredEvent } from '@gyroscops/event-store';
import { ProjectionEngine, readModelAlias, type ProjectionDefinition, type SagaDefinition } from '@gyroscops/projections';
import { FAST } from '@gyroscops/projections/testing';
import type { EsClientLike } from './faulty-client';
import { FaultyClient } from './faulty-client';
import { ListedFaults, type Fault } from './faults';
import type { Violation } from './guarantees-checker';
import type { Interleaver } from './interleaver';
import type { RunnersPlan } from './scenario';

/** One document per stream: how many events it folded, and whether they came in version order. */
export interface StreamFold {
  aggregateId: string;
  count: number;
  lastVersion: number;
  inOrder: boolean;
}

export const PROJECTION = 'harness-streams';
export const SAGA = 'harness-saga';

const streamsProjection: ProjectionDefinition<StreamFold> = {
  name: PROJECTION,
  version: 1,
  eventTypes: ['HarnessEvent'],
  idOf: (e) => e.aggregateId,
  evolve: (doc, e) => ({
    aggregateId: e.aggregateId,
    count: (doc?.count ?? 0) + 1,
    lastVersion: e.version,
    inOrder: (doc?.inOrder ?? true) && e.version === (doc?.lastVersion ?? 0) + 1,
  }),
  mappings: {
    properties: { aggregateId: { type: 'keyword' }, count: { type: 'long' }, lastVersion: { type: 'long' }, inOrder: { type: 'boolean' } },
  },
};

interface Handled {
  engine: number;
  event: StoredEvent;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Projection and saga runners of libs/projections on the same Elasticsearch, run while the workload writes:
 * engine 0 meets the given faults (and may die), engine 1 only pauses, and engine 0 is stopped cleanly while its
 * saga handles a chosen event, and replaced by a fresh engine 2 (the stop may leave a checkpoint inside an append).
 */
export class RunnersRig {
  private readonly engines: ProjectionEngine[] = [];
  readonly clients: FaultyClient[] = [];
  private readonly handled: Handled[] = [];
  /** The stop-and-replace of the first runner, once its time has come (awaited before checking or stopping). */
  private replacing: Promise<void> = Promise.resolve();
  private replaceError: unknown = null;
  private sagaDelayMs = 0;
  private stopAtEvent = 0;

  constructor(
    private readonly backend: EsClientLike,
    private readonly prefix: string,
    private readonly storeOn: (client: FaultyClient) => Promise<EventStore>,
    private readonly interleaver: Interleaver,
  ) {}

  async start(plan: RunnersPlan): Promise<void> {
    this.sagaDelayMs = plan.sagaDelayMs;
    await this.startEngine(plan.faults);
    await this.startEngine(plan.faults.filter((f) => f.kind !== 'kill'));
    this.stopAtEvent = plan.stopAtEvent;
  }

  private async startEngine(faults: Fault[]): Promise<void> {
    const i = this.engines.length;
    const client = new FaultyClient(this.backend, new ListedFaults(faults), this.interleaver, `runner${i}`);
    const store = await this.storeOn(client);
    client.arm();
    const engine = new ProjectionEngine({
      client: client as unknown as Client,
      store,
      indexPrefix: this.prefix,
      instanceId: `runner${i}`,
      // Short timings, so a dead runner's lease passes to another in under a second.
      timings: FAST,
    });
    engine.register(streamsProjection);
    const saga: SagaDefinition = {
      name: SAGA,
      eventTypes: ['HarnessEvent'],
      handle: async (event) => {
        this.handled.push({ engine: i, event });
        // Stop the first runner while it is inside this handler (not awaited here: stop waits for the handler).
        if (i === 0 && this.handled.filter((h) => h.engine === 0).length === this.stopAtEvent) {
          this.replacing = this.replaceFirst().catch((e: unknown) => void (this.replaceError = e));
        }
        if (this.sagaDelayMs > 0) await sleep(this.sagaDelayMs);
      },
    };
    engine.registerSaga(saga);
    engine.start();
    this.clients.push(client);
    this.engines.push(engine);
  }

  private async replaceFirst(): Promise<void> {
    if (this.clients[0].dead) return;
    await this.engines[0].stop();
    await this.startEngine([]);
  }

  /** Waits until a live engine reports both consumers at `head` (bounded), then stops every live engine. */
  async catchUp(head: number, limitMs = 30_000): Promise<Violation[]> {
    await this.replacing;
    if (this.replaceError) return [{ guarantee: 'a runner can be stopped and replaced', detail: String(this.replaceError) }];
    const deadline = Date.now() + limitMs;
    const live = () => this.engines.filter((_, i) => !this.clients[i].dead);
    let last = '';
    for (;;) {
      const engine = live()[live().length - 1];
      const [p, s] = await Promise.all([engine.statusOf(PROJECTION, 'projection'), engine.statusOf(SAGA, 'saga')]).catch(() => [
        null,
        null,
      ]);
      if (p && s && p.position >= head && s.position >= head) break;
      last =
        p && s
          ? `projection at ${p.position} (${p.state}${p.lastError ? `: ${p.lastError}` : ''}), saga at ${s.position} (${s.state})`
          : last;
      if (Date.now() > deadline) {
        await this.stop();
        return [{ guarantee: 'projections and sagas reach the head', detail: `after ${limitMs / 1000} s, head ${head}: ${last}` }];
      }
      await sleep(50);
    }
    await this.stop();
    return [];
  }

  async stop(): Promise<void> {
    await this.replacing;
    await Promise.all(this.engines.filter((_, i) => !this.clients[i].dead).map((e) => e.stop()));
  }

  /** Read model equal to a fold of the whole log; the saga given every committed event, first times in position order. */
  async check(log: StoredEvent[]): Promise<Violation[]> {
    const out: Violation[] = [];
    const harness = log.filter((e) => e.eventType === 'HarnessEvent');
    const expected = new Map<string, StreamFold>();
    for (const e of harness) expected.set(e.aggregateId, streamsProjection.evolve(expected.get(e.aggregateId) ?? null, e) as StreamFold);
    const es = this.backend as unknown as Client;
    const alias = readModelAlias(this.prefix, PROJECTION);
    // A run that committed nothing may end before a projection runner ever took its lease (and created its read model):
    // no read model is then an empty one.
    await es.indices.refresh({ index: alias, ignore_unavailable: true });
    const r = await es.search<StreamFold>({ index: alias, size: 10_000, query: { match_all: {} }, ignore_unavailable: true });
    const actual = new Map(r.hits.hits.map((h) => [h._id as string, h._source as StreamFold]));
    for (const id of new Set([...expected.keys(), ...actual.keys()])) {
      const want = expected.get(id);
      const got = actual.get(id);
      const same = want && got && got.count === want.count && got.lastVersion === want.lastVersion && got.inOrder === want.inOrder;
      if (!same)
        out.push({
          guarantee: 'read models equal a clean rebuild',
          detail: `${id}: read model ${JSON.stringify(got ?? null)}, rebuild ${JSON.stringify(want ?? null)}`,
        });
      if (got && !got.inOrder)
        out.push({ guarantee: 'projections fold each stream in version order', detail: `${id}: ${JSON.stringify(got)}` });
    }
    const firsts = new Map<string, Handled>();
    for (const h of this.handled) if (!firsts.has(h.event.eventId)) firsts.set(h.event.eventId, h);
    for (const e of harness)
      if (!firsts.has(e.eventId))
        out.push({
          guarantee: 'every committed event reaches the saga',
          detail: `${e.aggregateId}@${e.version} (position ${e.position}) never handled`,
        });
    const order = [...firsts.values()].map((h) => h.event.position);
    const backwards = order.findIndex((p, i) => i > 0 && p < order[i - 1]);
    if (backwards > 0)
      out.push({
        guarantee: 'the saga gets events in position order',
        detail: `position ${order[backwards]} handled first after ${order[backwards - 1]}`,
      });
    const committed = new Set(harness.map((e) => e.eventId));
    for (const h of firsts.values())
      if (!committed.has(h.event.eventId))
        out.push({ guarantee: 'the saga gets committed events only', detail: `handled ${h.event.eventId} at ${h.event.position}` });
    const noDeath = this.clients.every((c) => !c.dead);
    if (noDeath && this.handled.length > firsts.size) {
      const seen = new Set<string>();
      const twice = this.handled.filter((h) => seen.has(h.event.eventId) || !seen.add(h.event.eventId));
      out.push({
        guarantee: 'without a crash, the saga handles each event once',
        detail: twice
          .slice(0, 5)
          .map((h) => `${h.event.eventId} at ${h.event.position} again by runner${h.engine}`)
          .join('; '),
      });
    }
    return out;
  }
}
