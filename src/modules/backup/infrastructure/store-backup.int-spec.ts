import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { type ReadScope, type StoredEvent, type WriteContext } from '@gyroscops/event-store';
import { ElasticsearchEventStore } from '@gyroscops/event-store/elasticsearch';
import { ProjectionEngine, type ProjectionDefinition } from '@gyroscops/projections';
import { SEARCH_FIELDS } from '../../../search-fields';
import { runElasticsearchScript as runScript } from '../../../../test/support/elasticsearch-script';
import { freePort } from '../../../../test/support/service-process';
import { backupStore, listSnapshots, restoreStore } from './store-backup';
import { checkStore } from './store-check';

// Backup, restore and the soundness check against a real Elasticsearch: a store with a projection, streams with
// several appends, two appends the backup catches half-way (a writer that died after its commit, one that died
// holding a lease), and writers appending throughout the backup. The restored copy, under a fresh prefix, must be a
// cut of the source (each stream a prefix of the source's), hold everything acknowledged before the backup began,
// pass the check, accept appends, and serve its projection (caught up from the restored checkpoint, then rebuilt).

const ADMIN: ReadScope = { organizationId: '-', isAdmin: true };
const ORG = 'org-backup';
const reader: ReadScope = { organizationId: ORG, isAdmin: false };
const writer = (): WriteContext => ({
  correlationId: randomUUID(),
  causationId: null,
  userId: 'user-1',
  organizationId: ORG,
  source: 'test',
  isAdmin: false,
});

interface Node {
  url: string;
  stop(): Promise<void>;
}

/**
 * The Elasticsearch of the run when its nodes have a `path.repo` (scripts/elasticsearch.mjs sets one); otherwise (a
 * node started before the script did, or one set up elsewhere) a node of our own from the project's script, on a free
 * port, reusing the cached distribution.
 */
async function nodeWithRepositoryPath(client: Client): Promise<Node> {
  const info = await client.nodes.info({ metric: ['settings'] });
  const repoPaths = Object.values(info.nodes).map((n) => (n.settings as { path?: { repo?: unknown } } | undefined)?.path?.repo);
  if (repoPaths.every((p) => p !== undefined)) return { url: process.env.ES_NODE as string, stop: async () => undefined };
  const cacheDir = mkdtempSync(join(tmpdir(), 'gyroscops-es-backup-'));
  const shared = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gyroscops-elasticsearch', 'elasticsearch-8.19.21');
  if (existsSync(join(shared, 'bin', 'elasticsearch'))) symlinkSync(shared, join(cacheDir, 'elasticsearch-8.19.21'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ES_CACHE_DIR: cacheDir,
    ES_LOCAL_PORT: String(await freePort()),
    ES_LOCAL_HEAP: '384m',
    ES_NO_DOCKER: '1',
  };
  delete env.ES_NODE;
  const r = await runScript('url', env);
  if (r.code !== 0) throw new Error(`could not start an Elasticsearch with path.repo:\n${r.stderr}`);
  return {
    url: r.stdout.trim(),
    stop: async () => {
      await runScript('stop', env);
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

interface Summary {
  events: number;
  lastVersion: number;
}

const summaryProjection: ProjectionDefinition<Summary> = {
  name: 'backup-summary',
  version: 1,
  eventTypes: ['Opened', 'Added'],
  idOf: (e) => e.aggregateId,
  evolve: (doc, e) => ({ events: (doc?.events ?? 0) + 1, lastVersion: e.version }),
  mappings: { dynamic: false, properties: { events: { type: 'long' }, lastVersion: { type: 'long' } } },
};

async function dropAll(client: Client, prefix: string): Promise<void> {
  const names = Object.keys(await client.indices.get({ index: `${prefix}-*`, expand_wildcards: 'all' }).catch(() => ({})));
  if (names.length > 0) await client.indices.delete({ index: names, ignore_unavailable: true });
  const templates = await client.indices.getIndexTemplate({ name: `${prefix}-*` }).catch(() => ({ index_templates: [] }));
  for (const t of templates.index_templates) await client.indices.deleteIndexTemplate({ name: t.name }).catch(() => undefined);
}

async function readAllOf(store: ElasticsearchEventStore, aggregateId: string): Promise<StoredEvent[]> {
  return (await store.readStream(aggregateId, ADMIN)).events;
}

const event = (eventType: string, n: number) => ({ eventId: randomUUID(), eventType, eventData: { n, note: `entry ${n}` } });

describe('Backing up the store with a snapshot and restoring it', () => {
  let node: Node;
  let client: Client;
  const source = `test-backup-${randomBytes(3).toString('hex')}`;
  const target = `${source}-restored`;
  const repository = `test-backup-repo-${randomBytes(3).toString('hex')}`;
  const snapshot = `${source}-snap`;
  const extraClients: Client[] = [];

  beforeAll(async () => {
    const shared = new Client({ node: process.env.ES_NODE as string });
    try {
      node = await nodeWithRepositoryPath(shared);
    } finally {
      await shared.close();
    }
    client = new Client({ node: node.url, requestTimeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await dropAll(client, source);
    await client.snapshot.delete({ repository, snapshot }).catch(() => undefined);
    await client.snapshot.deleteRepository({ name: repository }).catch(() => undefined);
    for (const c of extraClients) await c.close().catch(() => undefined);
    await client.close();
    await node.stop();
  }, 120_000);

  describe('while writers append and two appends are caught half-way', () => {
    it('restores under a fresh prefix a cut of the source that passes the check, accepts appends and rebuilds its projection', async () => {
      const store = new ElasticsearchEventStore({
        client,
        indexPrefix: source,
        searchFields: SEARCH_FIELDS,
        leaseMs: 1000,
        gapTimeoutMs: 1000,
      });
      await store.setup();
      const engine = new ProjectionEngine({ client, store, indexPrefix: source });
      engine.register(summaryProjection);
      engine.start();

      // Streams written in several appends.
      const streams = Array.from({ length: 8 }, (_, i) => `acct-${i}`);
      for (const [i, id] of streams.entries()) {
        let version = 0;
        for (let a = 0; a <= i % 4; a++) {
          const events = Array.from({ length: 1 + ((i + a) % 3) }, (_, k) =>
            event(version + k === 0 ? 'Opened' : 'Added', version + k + 1),
          );
          await store.appendToStream(id, events, {
            aggregateType: 'Account',
            expectedVersion: version === 0 ? 'no_stream' : version,
            context: writer(),
          });
          version += events.length;
        }
      }
      await engine.waitForPosition(summaryProjection.name, await store.headPosition(), 30_000);

      // A writer that dies after its commit (the head keeps its lease, nothing derived), one that dies holding a lease.
      let committed!: () => void;
      const reachedCommit = new Promise<void>((r) => (committed = r));
      const afterCommitClient = new Client({ node: node.url });
      const afterLockClient = new Client({ node: node.url });
      extraClients.push(afterCommitClient, afterLockClient);
      const diesAfterCommit = new ElasticsearchEventStore({
        client: afterCommitClient,
        indexPrefix: source,
        leaseMs: 1000,
        sweepIntervalMs: 0,
        faults: { afterCommit: () => (committed(), new Promise<void>(() => undefined)) },
      });
      let locked!: () => void;
      const reachedLock = new Promise<void>((r) => (locked = r));
      const diesAfterLock = new ElasticsearchEventStore({
        client: afterLockClient,
        indexPrefix: source,
        leaseMs: 1000,
        sweepIntervalMs: 0,
        faults: { afterLock: () => (locked(), new Promise<void>(() => undefined)) },
      });
      await Promise.all([diesAfterCommit.setup(), diesAfterLock.setup()]);
      void diesAfterCommit.appendToStream('cut-committed', [event('Opened', 1), event('Added', 2)], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      void diesAfterLock.appendToStream('cut-locked', [event('Opened', 1)], {
        aggregateType: 'Account',
        expectedVersion: 'no_stream',
        context: writer(),
      });
      await Promise.all([reachedCommit, reachedLock]);

      // Writers going on throughout the backup; what they had acknowledged before it began must be restored.
      let stop = false;
      const acknowledged = new Map<string, number>();
      const beforeBackup = new Map<string, number>();
      const writers = Array.from({ length: 3 }, async (_, w) => {
        const id = `live-${w}`;
        let version = 0;
        while (!stop) {
          const r = await store
            .appendToStream(id, [event(version === 0 ? 'Opened' : 'Added', version + 1)], {
              aggregateType: 'Account',
              expectedVersion: version === 0 ? 'no_stream' : version,
              context: writer(),
            })
            .catch(() => null); // paused writes may outlast an append's deadline: it then answers unavailable, stores nothing
          if (r) acknowledged.set(id, (version = r.version));
          else version = (await store.readStream(id, ADMIN).catch(() => null))?.version ?? version;
        }
      });
      await new Promise((r) => setTimeout(r, 300));
      for (const [id, v] of acknowledged) beforeBackup.set(id, v);

      const lines: string[] = [];
      const backup = await backupStore(client, {
        prefix: source,
        repository,
        location: repository,
        snapshot,
        progress: (l) => lines.push(l),
      });
      const duringBackup = new Map(acknowledged);
      await new Promise((r) => setTimeout(r, 300));
      stop = true;
      await Promise.all(writers);
      if (process.env.DEBUG_BACKUP_TEST)
        process.stderr.write(
          `${lines.join('\n')}\n${JSON.stringify({ beforeBackup: [...beforeBackup], duringBackup: [...duringBackup], after: [...acknowledged], backup })}\n`,
        );
      await engine.stop();
      expect(backup.indices).toEqual(
        expect.arrayContaining([`${source}-events`, `${source}-log`, `${source}-streams`, `${source}-projection-state`]),
      );
      expect(backup.indices.some((i) => i.startsWith(`${source}-rm-backup-summary-`))).toBe(true);
      expect(lines.join('\n')).toMatch(/writes paused[\s\S]*writes resumed/);
      // Writes resumed: the source takes appends again.
      await store.appendToStream('acct-0', [event('Added', 99)], { aggregateType: 'Account', expectedVersion: 'any', context: writer() });
      expect((await listSnapshots(client, repository)).map((s) => s.snapshot)).toEqual([snapshot]);

      const restored = await restoreStore(client, { repository, snapshot, toPrefix: target });
      expect(restored.indices).toHaveLength(backup.indices.length);
      expect(restored.aliases).toBe(1);
      expect(await client.indices.existsAlias({ name: `${target}-rm-backup-summary` })).toBe(true);

      const check = await checkStore(client, { prefix: target, searchFields: SEARCH_FIELDS, gapTimeoutMs: 1000, leaseMs: 1000 });
      expect(check.items.filter((i) => !i.ok)).toEqual([]);
      expect(check.ok).toBe(true);
      expect(check.counter).toBeGreaterThanOrEqual(check.logHead);
      expect(check.leasesSettled).toBeGreaterThanOrEqual(1);

      const copy = new ElasticsearchEventStore({
        client,
        indexPrefix: target,
        searchFields: SEARCH_FIELDS,
        leaseMs: 1000,
        gapTimeoutMs: 1000,
      });
      await copy.setup();
      try {
        // A cut: every restored stream is a prefix of the source's, holding what was acknowledged before the backup.
        for (const id of [...streams, ...acknowledged.keys()]) {
          const [mine, theirs] = await Promise.all([readAllOf(copy, id), readAllOf(store, id)]);
          expect(mine.map((e) => e.eventId)).toEqual(theirs.slice(0, mine.length).map((e) => e.eventId));
          expect(mine.length).toBeGreaterThanOrEqual(beforeBackup.get(id) ?? (id.startsWith('acct-') ? 1 : 0));
        }
        // The append that committed before the cut is there (rolled forward); the one that only held a lease is not.
        expect((await copy.readStream('cut-committed', reader)).version).toBe(2);
        await expect(copy.readStream('cut-locked', reader)).rejects.toThrow();

        // It takes appends, at positions past everything restored.
        const before = (await readAllOf(copy, 'acct-3')).length;
        const r = await copy.appendToStream('acct-3', [event('Added', before + 1)], {
          aggregateType: 'Account',
          expectedVersion: before,
          context: writer(),
        });
        expect(r.fromVersion).toBe(before + 1);
        expect(r.events[0].position).toBeGreaterThan(check.counter);

        // Its projection continues from the restored checkpoint, then rebuilds from the restored log.
        const copyEngine = new ProjectionEngine({ client, store: copy, indexPrefix: target });
        copyEngine.register(summaryProjection);
        copyEngine.start();
        try {
          const head = await copy.headPosition();
          await copyEngine.waitForPosition(summaryProjection.name, head, 30_000);
          await copyEngine.rebuild(summaryProjection.name);
          await client.indices.refresh({ index: `${target}-rm-backup-summary` });
          const docs = await client.search<Summary>({ index: `${target}-rm-backup-summary`, size: 100 });
          const byId = new Map(docs.hits.hits.map((h) => [h._id as string, h._source as Summary]));
          for (const id of [...streams, 'cut-committed', ...acknowledged.keys()]) {
            const version = (await copy.readStream(id, ADMIN).catch(() => null))?.version ?? 0;
            if (version === 0) continue;
            expect(byId.get(id)).toMatchObject({ events: version, lastVersion: version });
          }
        } finally {
          await copyEngine.stop();
        }
      } finally {
        await copy.close();
        await dropAll(client, target);
      }
      await store.close();
    }, 180_000);
  });

  describe('when a store is not sound', () => {
    it('names each fault: a counter behind the log, a stream with a version missing from the log, a head ahead of its stream', async () => {
      const bad = `${source}-bad`;
      const store = new ElasticsearchEventStore({ client, indexPrefix: bad, leaseMs: 1000, gapTimeoutMs: 500, sweepIntervalMs: 0 });
      await store.setup();
      try {
        const commits: Record<string, number[]> = { a: [], b: [] };
        for (let v = 0; v < 3; v++)
          for (const id of ['a', 'b']) {
            const r = await store.appendToStream(id, [event(v === 0 ? 'Opened' : 'Added', v + 1)], {
              aggregateType: 'Account',
              expectedVersion: v === 0 ? 'no_stream' : v,
              context: writer(),
            });
            commits[id].push(r.position);
          }
        const last = await store.appendToStream('c', [event('Opened', 1)], {
          aggregateType: 'Account',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        // b's second append leaves the log, a's head claims a version it never had, the counter falls behind c's append.
        await client.delete({ index: `${bad}-log`, id: String(commits.b[1]), refresh: true });
        await client.update({ index: `${bad}-streams`, id: 'a', doc: { version: 4 }, refresh: true });
        await client.index({ index: `${bad}-meta`, id: 'position', document: { value: last.position - 1 }, refresh: true });

        const check = await checkStore(client, { prefix: bad, gapTimeoutMs: 500 });
        expect(check.ok).toBe(false);
        const failed = Object.fromEntries(check.items.filter((i) => !i.ok).map((i) => [i.name, i.detail]));
        expect(failed.counter).toMatch(/highest log position/);
        expect(failed.replay).toMatch(/b: version 3 after 1/);
        expect(failed.heads).toMatch(/a: /);
      } finally {
        await store.close();
      }
    }, 60_000);
  });

  describe('when the store ran with a telemetry retention and scavenged it', () => {
    it('accepts the version gaps scavenged telemetry leaves, where the strict check names them', async () => {
      const tele = `${source}-tele`;
      let now = Date.now();
      const store = new ElasticsearchEventStore({
        client,
        indexPrefix: tele,
        leaseMs: 1000,
        gapTimeoutMs: 500,
        sweepIntervalMs: 0,
        clock: () => new Date(now),
        telemetryRetention: { Heartbeat: 60 },
      });
      await store.setup();
      try {
        // a: Opened, Heartbeat, Added, Heartbeat (its last version is telemetry); b: no telemetry at all.
        await store.appendToStream('a', [event('Opened', 1), event('Heartbeat', 2), event('Added', 3)], {
          aggregateType: 'Machine',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        await store.appendToStream('a', [event('Heartbeat', 4)], { aggregateType: 'Machine', expectedVersion: 3, context: writer() });
        await store.appendToStream('b', [event('Opened', 1), event('Added', 2)], {
          aggregateType: 'Machine',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        now += 120_000;
        expect((await store.scavenge()).telemetryEventsRemoved).toBe(2);

        const lenient = await checkStore(client, { prefix: tele, gapTimeoutMs: 500, telemetryGaps: true });
        expect(lenient.items.filter((i) => !i.ok)).toEqual([]);
        expect(lenient).toMatchObject({ ok: true, events: 4, streams: 2 });
        const strict = await checkStore(client, { prefix: tele, gapTimeoutMs: 500 });
        expect(strict.ok).toBe(false);
        expect(Object.fromEntries(strict.items.filter((i) => !i.ok).map((i) => [i.name, i.detail])).replay).toMatch(/a: version 3 after 1/);
      } finally {
        await store.close();
        await dropAll(client, tele);
      }
    }, 60_000);
  });

  describe('when the backup is interrupted', () => {
    const slowRepository = `${repository}-slow`;
    const small = `${source}-int`;
    let store: ElasticsearchEventStore;

    beforeAll(async () => {
      // A repository that writes slowly, so that the snapshots are still in progress when the interruption comes.
      await client.snapshot.createRepository({
        name: slowRepository,
        repository: { type: 'fs', settings: { location: slowRepository, max_snapshot_bytes_per_sec: '20kb' } },
      });
      store = new ElasticsearchEventStore({ client, indexPrefix: small, leaseMs: 1000, gapTimeoutMs: 500, sweepIntervalMs: 0 });
      await store.setup();
      for (let i = 0; i < 20; i++)
        await store.appendToStream(
          `s-${i}`,
          Array.from({ length: 10 }, (_, k) => ({
            ...event(k === 0 ? 'Opened' : 'Added', k + 1),
            eventData: { n: k, pad: 'x'.repeat(500) },
          })),
          { aggregateType: 'Account', expectedVersion: 'no_stream', context: writer() },
        );
      await client.indices.flush({ index: `${small}-*` });
    }, 60_000);

    afterAll(async () => {
      await store?.close();
      await dropAll(client, small);
      const left = await client.snapshot.get({ repository: slowRepository, snapshot: '_all' }).catch(() => ({ snapshots: [] }));
      for (const s of left.snapshots ?? [])
        await client.snapshot.delete({ repository: slowRepository, snapshot: s.snapshot }).catch(() => undefined);
      await client.snapshot.deleteRepository({ name: slowRepository }).catch(() => undefined);
    }, 120_000);

    /** The snapshots left in the slow repository once what was in progress has settled (at most `ms`). */
    async function snapshotsLeft(ms = 8000): Promise<string[]> {
      const deadline = Date.now() + ms;
      for (;;) {
        const r = await client.snapshot.get({ repository: slowRepository, snapshot: '_all' });
        const names = (r.snapshots ?? []).map((s) => `${s.snapshot} (${s.state})`);
        if (names.length === 0 || Date.now() > deadline) return names;
        await new Promise((res) => setTimeout(res, 250));
      }
    }

    async function blocked(): Promise<string[]> {
      const s = await client.indices.getSettings({ index: `${small}-*`, name: 'index.blocks.write', flat_settings: true });
      return Object.keys(s).filter((i) => String(s[i]?.settings?.['index.blocks.write']) === 'true');
    }

    it('during its consistent snapshot: fails, lifts the write pause, and leaves no snapshot that could pass for a backup', async () => {
      const lines: string[] = [];
      await expect(
        backupStore(client, {
          prefix: small,
          repository: slowRepository,
          location: slowRepository,
          snapshot: `${small}-cut`,
          noWarmup: true,
          progress: (l) => lines.push(l),
          // Ctrl-C, or the service shutting down, once the consistent snapshot has started.
          aborted: () => lines.some((l) => l.startsWith('consistent snapshot')),
        }),
      ).rejects.toThrow(/interrupted while snapshot .*-cut was in progress/);
      expect(lines).toContain(`deleted snapshot ${small}-cut`);
      expect(await blocked()).toEqual([]);
      expect(await snapshotsLeft()).toEqual([]);
      expect(await listSnapshots(client, slowRepository)).toEqual([]);
    }, 60_000);

    it('during its warm-up snapshot: fails and deletes the warm-up', async () => {
      const lines: string[] = [];
      await expect(
        backupStore(client, {
          prefix: small,
          repository: slowRepository,
          location: slowRepository,
          snapshot: `${small}-warm`,
          progress: (l) => lines.push(l),
          aborted: () => lines.some((l) => l.startsWith('warm-up snapshot')),
        }),
      ).rejects.toThrow(/interrupted while snapshot .*-warm-warmup was in progress/);
      expect(await blocked()).toEqual([]);
      expect(await snapshotsLeft()).toEqual([]);
    }, 60_000);
  });

  describe('when one of the store indices is closed', () => {
    it('refuses to back up, naming it, and leaves writes flowing', async () => {
      const closed = `${source}-closed`;
      const store = new ElasticsearchEventStore({ client, indexPrefix: closed, leaseMs: 1000, gapTimeoutMs: 500, sweepIntervalMs: 0 });
      await store.setup();
      try {
        await store.appendToStream('a', [event('Opened', 1)], {
          aggregateType: 'Account',
          expectedVersion: 'no_stream',
          context: writer(),
        });
        await client.indices.close({ index: `${closed}-subject-keys` });
        await expect(
          backupStore(client, { prefix: closed, repository, location: repository, snapshot: `${closed}-snap`, noWarmup: true }),
        ).rejects.toThrow(new RegExp(`${closed}-subject-keys is closed`));
        const s = await client.indices.getSettings({ index: `${closed}-*`, name: 'index.blocks.write', flat_settings: true });
        expect(Object.keys(s).filter((i) => String(s[i]?.settings?.['index.blocks.write']) === 'true')).toEqual([]);
        const snaps = await client.snapshot.get({ repository, snapshot: `${closed}-*` }).catch(() => ({ snapshots: [] }));
        expect(snaps.snapshots ?? []).toEqual([]);
        await store.appendToStream('a', [event('Added', 2)], { aggregateType: 'Account', expectedVersion: 1, context: writer() });
      } finally {
        await client.snapshot.delete({ repository, snapshot: `${closed}-snap` }).catch(() => undefined);
        await store.close();
        await dropAll(client, closed);
      }
    }, 60_000);
  });

  describe('when the target indices already exist', () => {
    it('refuses to restore over them', async () => {
      await expect(restoreStore(client, { repository, snapshot })).rejects.toThrow(/restoring over existing indices is refused/);
    });
  });

  describe('when the repository location is outside path.repo', () => {
    it('says so and how to fix it', async () => {
      await expect(
        backupStore(client, { prefix: source, repository: `${repository}-elsewhere`, location: '/nowhere/allowed', snapshot: 'never' }),
      ).rejects.toThrow(/path\.repo/);
    });
  });
});
