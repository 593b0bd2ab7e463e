import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ConsumerGroups, groupRef, type GroupCaller, type GroupDelivery } from '@gyroscops/projections';
import { dropAll, eventually, ev, FAST, makeStore, testClient, testPrefix, writer } from '../testing/projections-test-support';

const orgA: GroupCaller = { organizationId: 'org-a', isAdmin: false };
const orgB: GroupCaller = { organizationId: 'org-b', isAdmin: false };
const admin: GroupCaller = { organizationId: 'ops', isAdmin: true };

describe('consumer groups on the global log', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const instances: ConsumerGroups[] = [];

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('groups');
    store = await makeStore(client, prefix);
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await store.close();
    await dropAll(client, prefix);
    await client.close();
  });

  /** One service instance's ConsumerGroups (short lease timings so that failover takes a second). */
  function instance(): ConsumerGroups {
    const groups = new ConsumerGroups({ client, store, indexPrefix: prefix, timings: FAST, discoveryIntervalMs: 200, fetchPollMs: 20 });
    groups.start();
    instances.push(groups);
    return groups;
  }

  async function append(aggregateId: string, eventType: string, org = 'org-a', n = 1): Promise<StoredEvent[]> {
    const r = await store.appendToStream(
      aggregateId,
      Array.from({ length: n }, (_, i) => ev(eventType, { i })),
      { aggregateType: 'Thing', expectedVersion: 'any', context: writer(org) },
    );
    return r.events;
  }

  /** Fetches until `count` deliveries were received or the group stays empty. */
  async function drain(
    groups: ConsumerGroups,
    caller: GroupCaller,
    name: string,
    consumer: string,
    count: number,
  ): Promise<GroupDelivery[]> {
    const out: GroupDelivery[] = [];
    for (let i = 0; i < 200 && out.length < count; i++) {
      const { deliveries } = await groups.fetch(groupRef(caller, name), caller, { consumer, max: 50, waitMs: 2000 });
      out.push(...deliveries);
      if (deliveries.length > 0)
        await groups.ack(
          groupRef(caller, name),
          caller,
          deliveries.map((d) => d.deliveryId),
          consumer,
        );
    }
    return out;
  }

  describe('when a group has a filter', () => {
    it('delivers only its organization’s matching events and moves its checkpoint past the others', async () => {
      const groups = instance();
      const tag = randomUUID().slice(0, 8);
      await groups.upsert(groupRef(orgA, `f-${tag}`), orgA, { filter: { eventTypes: ['Wanted'], aggregateIdPrefix: `f-${tag}` } });
      const wanted = [...(await append(`f-${tag}-1`, 'Wanted')), ...(await append(`f-${tag}-2`, 'Wanted'))];
      await append(`f-${tag}-3`, 'Unwanted');
      await append(`f-${tag}-4`, 'Wanted', 'org-b');
      const last = (await append(`other-${tag}`, 'Wanted')).at(-1)!.position;

      const got = await drain(groups, orgA, `f-${tag}`, 'c1', wanted.length);
      expect(got.map((d) => d.event.eventId).sort()).toEqual(wanted.map((e) => e.eventId).sort());
      const status = await eventually(
        async () => {
          const s = await groups.status(groupRef(orgA, `f-${tag}`), orgA);
          return s.position >= last && s;
        },
        20000,
        'the checkpoint to pass the filtered-out events',
      );
      expect(status).toMatchObject({ pending: 0, inFlight: 0, acked: 2, delivered: 2 });
    });

    it('is invisible to other organizations, and an admin reaches it by naming the organization', async () => {
      const groups = instance();
      await groups.upsert(groupRef(orgA, 'private'), orgA, { filter: {} });
      await expect(groups.status(groupRef(orgB, 'private'), orgB)).rejects.toMatchObject({ code: 'CONSUMER_GROUP.NOT_FOUND' });
      expect(() => groupRef(orgB, 'private', 'org-a')).toThrow(expect.objectContaining({ code: 'CONSUMER_GROUP.NOT_FOUND' }));
      await expect(groups.fetch(groupRef(orgB, 'private'), orgB, { consumer: 'x', max: 1, waitMs: 0 })).rejects.toMatchObject({
        code: 'CONSUMER_GROUP.NOT_FOUND',
      });
      expect((await groups.list(orgB)).map((g) => g.name)).not.toContain('private');
      expect((await groups.list(orgA)).map((g) => g.name)).toContain('private');
      expect(await groups.status(groupRef(admin, 'private', 'org-a'), admin)).toMatchObject({ name: 'private', organizationId: 'org-a' });
    });

    it('keeps an admin’s own group, which follows every organization, away from non-admins of its organization', async () => {
      const groups = instance();
      await groups.upsert(groupRef(admin, 'everything'), admin, { filter: {}, startFrom: 'end' });
      const status = await groups.status(groupRef(admin, 'everything'), admin);
      expect(status.allOrganizations).toBe(true);
      const opsReader: GroupCaller = { organizationId: 'ops', isAdmin: false };
      await expect(groups.status(groupRef(opsReader, 'everything'), opsReader)).rejects.toMatchObject({ code: 'CONSUMER_GROUP.NOT_FOUND' });
    });
  });

  it('serves an organization whose id is as long as the store allows (512 characters)', async () => {
    const groups = instance();
    const long: GroupCaller = { organizationId: `org-${'x'.repeat(508)}`, isAdmin: false };
    await groups.upsert(groupRef(long, 'long'), long, { filter: {} });
    expect(await groups.status(groupRef(long, 'long'), long)).toMatchObject({ name: 'long', organizationId: long.organizationId });
    expect((await groups.list(long)).map((g) => g.name)).toEqual(['long']);
  });

  describe('when consumers refuse an event', () => {
    it('retries it with backoff, parks it after maxAttempts, and lets an operator replay or skip it', async () => {
      const groups = instance();
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `p-${tag}`);
      await groups.upsert(ref, orgA, {
        filter: { aggregateIdPrefix: `p-${tag}` },
        settings: { maxAttempts: 2, retryBaseMs: 10, retryMaxMs: 20 },
      });
      const [poison] = await append(`p-${tag}-1`, 'Poison');
      const [next] = await append(`p-${tag}-1`, 'Next');
      const attempts: number[] = [];
      for (let i = 0; i < 2; i++) {
        const { deliveries } = await groups.fetch(ref, orgA, { consumer: 'c1', max: 10, waitMs: 5000 });
        expect(deliveries.map((d) => d.event.eventId)).toEqual([poison.eventId]);
        attempts.push(deliveries[0].attempt);
        await groups.nack(ref, orgA, [deliveries[0].deliveryId], { consumer: 'c1', reason: 'cannot' });
      }
      expect(attempts).toEqual([1, 2]);
      const parked = await groups.parked(ref, orgA);
      expect(parked).toMatchObject({
        parkedCount: 1,
        parked: [expect.objectContaining({ eventId: poison.eventId, error: 'refused: cannot' })],
      });
      // Parking lets the aggregate go on.
      const after = await groups.fetch(ref, orgA, { consumer: 'c1', max: 10, waitMs: 5000 });
      expect(after.deliveries.map((d) => d.event.eventId)).toEqual([next.eventId]);
      await groups.ack(ref, orgA, [after.deliveries[0].deliveryId]);

      await groups.replayParked(ref, orgA, poison.eventId);
      const replayed = await groups.fetch(ref, orgA, { consumer: 'c2', max: 10, waitMs: 5000 });
      expect(replayed.deliveries.map((d) => [d.event.eventId, d.attempt])).toEqual([[poison.eventId, 1]]);
      await groups.nack(ref, orgA, [replayed.deliveries[0].deliveryId], { park: true });
      await groups.skipParked(ref, orgA, poison.eventId);
      expect((await groups.parked(ref, orgA)).parked).toEqual([]);
      await expect(groups.skipParked(ref, orgA, poison.eventId)).rejects.toMatchObject({ code: 'PARKED_EVENT.NOT_FOUND' });
      expect(await groups.fetch(ref, orgA, { consumer: 'c2', max: 10, waitMs: 0 })).toMatchObject({ deliveries: [] });
    });
  });

  describe('when the instance following the log for a group dies', () => {
    it('another instance takes over, and consumers of both instances get every event once', async () => {
      const first = instance();
      const second = instance();
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `fo-${tag}`);
      await first.upsert(ref, orgA, { filter: { aggregateIdPrefix: `fo-${tag}` } });
      await eventually(() => first.isActive(ref) || second.isActive(ref), 20000, 'a runner to hold the group');
      const holder = first.isActive(ref) ? first : second;
      const survivor = holder === first ? second : first;
      const before = await append(`fo-${tag}-a`, 'E', 'org-a', 3);
      const got1 = await drain(survivor, orgA, `fo-${tag}`, 'c1', 3);
      holder.kill();
      const after = await append(`fo-${tag}-b`, 'E', 'org-a', 3);
      const got2 = await drain(survivor, orgA, `fo-${tag}`, 'c2', 3);
      expect([...got1, ...got2].map((d) => d.event.eventId)).toEqual([...before, ...after].map((e) => e.eventId));
      // Events appended after the kill reached the group: another instance follows the log for it now.
      expect(await survivor.status(ref, orgA)).toMatchObject({ state: 'running', pending: 0 });
      expect((await survivor.status(ref, orgA)).owner).not.toBe(holder.instanceId);
    });
  });

  describe('when a fetch waits', () => {
    it('answers with an event appended while it waits', async () => {
      const groups = instance();
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `w-${tag}`);
      await groups.upsert(ref, orgA, { filter: { aggregateIdPrefix: `w-${tag}` }, startFrom: 'end' });
      const waiting = groups.fetch(ref, orgA, { consumer: 'c1', max: 10, waitMs: 30_000 });
      const [e] = await append(`w-${tag}-1`, 'E');
      expect((await waiting).deliveries.map((d) => d.event.eventId)).toEqual([e.eventId]);
    });

    it('takes nothing for a consumer that went away', async () => {
      const groups = instance();
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `g-${tag}`);
      await groups.upsert(ref, orgA, { filter: { aggregateIdPrefix: `g-${tag}` } });
      await append(`g-${tag}-1`, 'E');
      await eventually(async () => (await groups.status(ref, orgA)).ready === 1, 20000, 'the event to be pending');
      const gone = new AbortController();
      gone.abort();
      expect(await groups.fetch(ref, orgA, { consumer: 'c1', max: 10, waitMs: 0, signal: gone.signal })).toMatchObject({ deliveries: [] });
      expect(await groups.status(ref, orgA)).toMatchObject({ ready: 1, inFlight: 0, delivered: 0 });
    });
  });

  describe('when a pending event leaves the log (its stream hard-deleted, its telemetry retention expired)', () => {
    it('drops it and hands out the rest, instead of failing every fetch', async () => {
      // One event in memory: the doomed event is read from the log, as on an instance that did not scan it.
      const groups = new ConsumerGroups({
        client,
        store,
        indexPrefix: prefix,
        timings: FAST,
        discoveryIntervalMs: 200,
        fetchPollMs: 20,
        eventCacheSize: 1,
      });
      groups.start();
      instances.push(groups);
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `d-${tag}`);
      await groups.upsert(ref, orgA, { filter: { aggregateIdPrefix: `d-${tag}` } });
      await append(`d-${tag}-doomed`, 'E');
      const kept = await append(`d-${tag}-kept`, 'E');
      await eventually(async () => (await groups.status(ref, orgA)).ready === 2, 20000, 'both events to be pending');
      await store.deleteStream(`d-${tag}-doomed`, { mode: 'hard', reason: 'test', context: writer('org-a', { isAdmin: true }) });
      const later = await append(`d-${tag}-later`, 'E');

      const got = await drain(groups, orgA, `d-${tag}`, 'c1', 2);
      expect(got.map((d) => d.event.eventId)).toEqual([...kept, ...later].map((e) => e.eventId));
      const status = await groups.status(ref, orgA);
      expect(status).toMatchObject({ pending: 0, inFlight: 0 });
      expect(status.position).toBeGreaterThanOrEqual(later[0].position);
    });
  });

  describe('when a group is moved back to the beginning', () => {
    it('delivers its events again', async () => {
      const groups = instance();
      const tag = randomUUID().slice(0, 8);
      const ref = groupRef(orgA, `m-${tag}`);
      await groups.upsert(ref, orgA, { filter: { aggregateIdPrefix: `m-${tag}` } });
      const events = await append(`m-${tag}-1`, 'E', 'org-a', 2);
      expect((await drain(groups, orgA, `m-${tag}`, 'c1', 2)).map((d) => d.event.eventId)).toEqual(events.map((e) => e.eventId));
      await groups.move(ref, orgA, 'beginning');
      expect((await drain(groups, orgA, `m-${tag}`, 'c1', 2)).map((d) => d.event.eventId)).toEqual(events.map((e) => e.eventId));
    });
  });
});
