import { randomUUID } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ev, reader, writer } from '../../testing/event-store.contract';
import { dropPrefix, makeEsStore, testClient, testPrefix } from '../../testing/es-test-support';

/** An erasure deletes the snapshot of every stream holding the subject's events, or says that it did not. */
describe('Elasticsearch event store: erasure and snapshots', () => {
  let client: Client;
  let prefix: string;
  let store: ElasticsearchEventStore;
  const admin = writer('org-a', 'ops-admin', { isAdmin: true });
  const snapshotsIndex = () => `${prefix}-snapshots`;

  beforeAll(async () => {
    client = testClient();
    prefix = testPrefix('erasure');
    store = await makeEsStore(client, prefix);
  });
  afterEach(async () => {
    await client.indices.putSettings({ index: snapshotsIndex(), settings: { 'index.blocks.write': null } });
  });
  afterAll(async () => {
    await store.close();
    await dropPrefix(client, prefix);
    await client.close();
  });

  const register = (stream: string, subject: string) =>
    store.appendToStream(
      stream,
      [ev('Registered', { plan: 'pro' }, { personal: { subjectId: subject, data: { phone: `+33-${stream}` } } })],
      {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      },
    );
  const snapshot = (stream: string) =>
    store.saveSnapshot(
      { aggregateId: stream, aggregateType: 'Account', version: 1, schemaVersion: 1, state: { phone: `+33-${stream}` } },
      reader(),
    );

  it('fails when a snapshot could not be deleted, and erasing again deletes it', async () => {
    const subject = `subject-${randomUUID()}`;
    const stream = `acct-${randomUUID()}`;
    await register(stream, subject);
    await snapshot(stream);

    await client.indices.putSettings({ index: snapshotsIndex(), settings: { 'index.blocks.write': true } });
    await expect(store.eraseSubject(subject, { reason: 'GDPR request', context: admin })).rejects.toMatchObject({
      code: 'EventStoreUnavailable',
    });
    // The key is gone (reads show the data erased), the snapshot is still there: the erasure is not done.
    expect((await store.readStream(stream, reader())).events[0].personal).toEqual({ subjectId: subject, data: null, erased: true });
    expect(await store.loadSnapshot(stream, reader())).not.toBeNull();

    await client.indices.putSettings({ index: snapshotsIndex(), settings: { 'index.blocks.write': null } });
    expect(await store.eraseSubject(subject, { reason: 'GDPR request', context: admin })).toMatchObject({
      keyDeleted: false,
      streamsAffected: 1,
    });
    expect(await store.loadSnapshot(stream, reader())).toBeNull();
  });

  it("deletes the snapshots of all the subject's streams, past the first 10,000", async () => {
    const subject = `subject-${randomUUID()}`;
    const streams = Array.from({ length: 10_001 }, (_, i) => `many-${String(i).padStart(5, '0')}-${randomUUID()}`);
    for (let i = 0; i < streams.length; i += 200) await Promise.all(streams.slice(i, i + 200).map((s) => register(s, subject)));
    // Streams are aggregated by id: the first and the last one in that order.
    const [first, last] = [streams[0], streams[streams.length - 1]];
    await Promise.all([snapshot(first), snapshot(last)]);

    const report = await store.eraseSubject(subject, { reason: 'GDPR request', context: admin });

    expect(report).toMatchObject({ keyDeleted: true, streamsAffected: 10_001 });
    expect(await store.loadSnapshot(first, reader())).toBeNull();
    expect(await store.loadSnapshot(last, reader())).toBeNull();
  }, 180_000);

  it('deletes the snapshot of a stream of the subject that search no longer holds (soft-deleted)', async () => {
    const subject = `subject-${randomUUID()}`;
    const stream = `acct-${randomUUID()}`;
    await register(stream, subject);
    await snapshot(stream);
    await store.deleteStream(stream, { mode: 'soft', reason: 'closed', context: admin });

    expect(await store.eraseSubject(subject, { reason: 'GDPR request', context: admin })).toMatchObject({ streamsAffected: 1 });
    expect(await store.loadSnapshot(stream, { organizationId: 'ops', isAdmin: true })).toBeNull();
  });

  it("deletes the snapshot of a stream whose subject's events were scavenged away", async () => {
    const subject = `subject-${randomUUID()}`;
    const stream = `acct-${randomUUID()}`;
    await register(stream, subject);
    await store.appendToStream(stream, [ev('PlanChanged', { plan: 'free' })], {
      aggregateType: 'Account',
      expectedVersion: 1,
      context: writer(),
    });
    await store.saveSnapshot(
      { aggregateId: stream, aggregateType: 'Account', version: 2, schemaVersion: 1, state: { phone: `+33-${stream}` } },
      reader(),
    );
    await store.setStreamRetention(stream, { truncateBefore: 2 }, { reason: 'retention', context: admin });
    await store.scavenge();

    expect(await store.eraseSubject(subject, { reason: 'GDPR request', context: admin })).toMatchObject({ streamsAffected: 1 });
    expect(await store.loadSnapshot(stream, reader())).toBeNull();
  });
});
