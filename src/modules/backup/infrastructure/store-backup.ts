import type { Client, estypes } from '@elastic/elasticsearch';
import { indexNames } from '@gyroscops/event-store/elasticsearch';

/**
 * Backup and restore of an event store's indices with Elasticsearch's snapshot API (README "Backup and restore").
 *
 * A snapshot copies each shard as of its own moment, not all of them as of one: on its own it is no consistent cut
 * of a store whose appends touch six indices in sequence. The backup therefore blocks writes to the store's indices
 * (the add-block API waits for writes in flight) for the time of the snapshot, which makes the copy a cut like the
 * one a crash leaves, and the store recovers from any crash (leases, fencing, roll-forward). Appends meanwhile retry
 * the block as a transient failure until their deadline. A warm-up snapshot taken first, without the block, copies
 * the bulk of the segment files, so the consistent snapshot only adds what changed since and the pause stays short.
 */

export type Progress = (line: string) => void;

export const SNAPSHOT_TOOL = 'gyroscops-store-backup';
/** The snapshot repository the CLI and the service's admin endpoints use by default, and its filesystem location (under `path.repo`). */
export const BACKUP_REPOSITORY = 'gyroscops-backups';
export const BACKUP_LOCATION = 'gyroscops-backups';

/** What a backup records in its snapshot's metadata: enough to restore under another prefix and to judge the copy. */
export interface BackupMetadata {
  tool: typeof SNAPSHOT_TOOL;
  formatVersion: 1;
  prefix: string;
  indices: string[];
  /** Alias name → indices (read-model aliases of projections). */
  aliases: Record<string, string[]>;
  /** The position counter and the highest log position at the cut. */
  counter: number;
  logHead: number;
  takenAt: string;
}

export interface StoreIndices {
  indices: string[];
  aliases: Record<string, string[]>;
}

/**
 * The indices of the store under `prefix`: every `<prefix>-*` index (the store's own, projection state, read models,
 * subject keys), except those of another store whose prefix starts with ours (`gyroscops-staging-*` inside
 * `gyroscops-*`), recognised by their own `-meta` index.
 */
export async function storeIndices(client: Client, prefix: string): Promise<StoreIndices> {
  // Closed indices too: skipped, a closed `<prefix>-subject-keys` (or read model) would be left out of the backup unsaid.
  const [all, cat] = await Promise.all([
    client.indices.get({ index: `${prefix}-*`, expand_wildcards: ['open', 'closed'], features: ['aliases'] }),
    client.cat.indices({ index: `${prefix}-*`, expand_wildcards: ['open', 'closed'], h: 'index,status', format: 'json' }),
  ]);
  const names = Object.keys(all).filter((n) => n.startsWith(`${prefix}-`));
  const others = names.filter((n) => n.endsWith('-meta') && n !== `${prefix}-meta`).map((n) => n.slice(0, -'-meta'.length));
  const indices = names.filter((n) => !others.some((o) => n.startsWith(`${o}-`))).sort();
  const missing = Object.values(indexNames(prefix)).filter((n) => !indices.includes(n));
  if (missing.length > 0) throw new Error(`no event store under prefix "${prefix}": missing ${missing.join(', ')}`);
  const closed = cat.filter((c) => c.status === 'close' && c.index && indices.includes(c.index)).map((c) => c.index as string);
  if (closed.length > 0)
    throw new Error(
      `cannot back up the store "${prefix}": ${closed.sort().join(', ')} ${closed.length === 1 ? 'is' : 'are'} closed, and a snapshot ` +
        `cannot hold a closed index (open it: POST ${closed[0]}/_open, or delete it if the store no longer needs it)`,
    );
  const aliases: Record<string, string[]> = {};
  for (const index of indices) for (const alias of Object.keys(all[index]?.aliases ?? {})) (aliases[alias] ??= []).push(index);
  return { indices, aliases };
}

export interface RepositoryOptions {
  repository: string;
  /** Filesystem location; a relative one lies under the first `path.repo` of the nodes. */
  location: string;
}

/**
 * Registers the filesystem repository unless it exists (every node must list its location under `path.repo`).
 * `readonly`: for a cluster that only restores (a fresh cluster reading another's backups): only one cluster may
 * write to a repository.
 */
export async function ensureRepository(
  client: Client,
  o: RepositoryOptions & { readonly?: boolean },
  progress: Progress = () => undefined,
): Promise<void> {
  const existing = await client.snapshot.getRepository({ name: o.repository }).catch(() => null);
  if (existing?.[o.repository]) return;
  try {
    await client.snapshot.createRepository({
      name: o.repository,
      repository: { type: 'fs', settings: { location: o.location, ...(o.readonly ? { readonly: true } : {}) } },
    });
  } catch (e) {
    const reason = (e as { meta?: { body?: { error?: { reason?: string; caused_by?: { reason?: string } } } } }).meta?.body?.error;
    throw new Error(
      `Elasticsearch refused the filesystem repository "${o.repository}" at "${o.location}": ${reason?.caused_by?.reason ?? reason?.reason ?? (e as Error).message}. ` +
        'Every node must list the location under path.repo (scripts/elasticsearch.mjs sets it; a node started before that needs a restart: npm run es:stop && npm run es:start).',
    );
  }
  progress(`registered the filesystem repository ${o.repository} at ${o.location}${o.readonly ? ' (read-only)' : ''}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Takes a snapshot and waits for its end, reporting shards and bytes; throws unless every shard succeeded. */
async function takeSnapshot(
  client: Client,
  repository: string,
  snapshot: string,
  indices: string[],
  metadata: Record<string, unknown>,
  progress: Progress,
  aborted: () => boolean,
  onCreated: () => void = () => undefined,
): Promise<estypes.SnapshotSnapshotInfo> {
  await client.snapshot.create({
    repository,
    snapshot,
    indices: indices.join(','),
    include_global_state: false,
    partial: false,
    metadata,
    wait_for_completion: false,
  });
  onCreated();
  let last = '';
  for (;;) {
    const info = (await client.snapshot.get({ repository, snapshot })).snapshots?.[0];
    if (info && info.state !== 'IN_PROGRESS') {
      if (info.state !== 'SUCCESS' || (info.shards?.failed ?? 0) > 0)
        throw new Error(`snapshot ${snapshot} ended ${info.state}: ${JSON.stringify(info.failures ?? []).slice(0, 500)}`);
      return info;
    }
    if (aborted()) throw new Error(`interrupted while snapshot ${snapshot} was in progress`);
    const status = await client.snapshot.status({ repository, snapshot }).catch(() => null);
    const s = status?.snapshots[0];
    if (s) {
      const line = `  ${s.shards_stats.done}/${s.shards_stats.total} shards done, ${mb(Number(s.stats.incremental?.size_in_bytes ?? 0))} of ${mb(Number(s.stats.total?.size_in_bytes ?? 0))} new in this snapshot`;
      if (line !== last) progress(line);
      last = line;
    }
    await sleep(250);
  }
}

async function writeBlocked(client: Client, indices: string[]): Promise<Set<string>> {
  const s = await client.indices.getSettings({ index: indices, name: 'index.blocks.write', flat_settings: true });
  return new Set(indices.filter((i) => String(s[i]?.settings?.['index.blocks.write'] ?? 'false') === 'true'));
}

export interface BackupOptions extends RepositoryOptions {
  prefix: string;
  snapshot: string;
  /** Skip the warm-up snapshot (the consistent one then copies every file while writes wait). */
  noWarmup?: boolean;
  progress?: Progress;
  /** Polled while a snapshot runs (e.g. set by SIGINT): the backup stops and writes resume. */
  aborted?: () => boolean;
}

export interface BackupResult {
  snapshot: string;
  indices: string[];
  shards: number;
  writesPausedMs: number;
  counter: number;
  logHead: number;
  tookMs: number;
}

export async function backupStore(client: Client, o: BackupOptions): Promise<BackupResult> {
  const progress = o.progress ?? (() => undefined);
  const aborted = o.aborted ?? (() => false);
  const t0 = Date.now();
  const { indices, aliases } = await storeIndices(client, o.prefix);
  progress(`store "${o.prefix}": ${indices.length} indices (${indices.map((i) => i.slice(o.prefix.length + 1)).join(', ')})`);
  await ensureRepository(client, o, progress);
  const existing = await client.snapshot.get({ repository: o.repository, snapshot: o.snapshot }).catch(() => null);
  if (existing?.snapshots?.length) throw new Error(`snapshot ${o.snapshot} already exists in ${o.repository}`);

  const warmup = `${o.snapshot}-warmup`;
  let warmupCreated = false;
  try {
    if (!o.noWarmup) {
      progress(`warm-up snapshot ${warmup}: copies the segment files while writes go on`);
      await takeSnapshot(
        client,
        o.repository,
        warmup,
        indices,
        { tool: SNAPSHOT_TOOL, warmup: true, prefix: o.prefix },
        progress,
        aborted,
        () => (warmupCreated = true),
      );
    }
    const result = await consistentSnapshot(client, o, indices, aliases, progress, aborted);
    return { ...result, tookMs: Date.now() - t0 };
  } finally {
    // Only a speed-up for the consistent snapshot: it goes whatever happened (an interrupted one would finish later).
    if (warmupCreated) await discardSnapshot(client, o.repository, warmup, progress);
  }
}

/** Blocks writes, reads the counter, takes the consistent snapshot, lifts the block (also on failure). */
async function consistentSnapshot(
  client: Client,
  o: BackupOptions,
  indices: string[],
  aliases: Record<string, string[]>,
  progress: Progress,
  aborted: () => boolean,
): Promise<Omit<BackupResult, 'tookMs'>> {
  const names = indexNames(o.prefix);
  const alreadyBlocked = await writeBlocked(client, indices);
  const toBlock = indices.filter((i) => !alreadyBlocked.has(i));
  let pausedAt = 0;
  let info: estypes.SnapshotSnapshotInfo;
  let counter = 0;
  let logHead = 0;
  let created = false;
  try {
    pausedAt = Date.now();
    // The add-block API returns once writes in flight on every shard have finished: nothing lands after this point.
    if (toBlock.length > 0) await client.indices.addBlock({ index: toBlock.join(','), block: 'write' });
    progress(`writes paused on ${indices.length} indices (appends retry until they resume)`);
    // The log's highest position is read by search: made exact first (a refresh is no write, the block allows it).
    await client.indices.refresh({ index: names.log });
    const [meta, log] = await Promise.all([
      client.get<{ value: number }>({ index: names.meta, id: 'position' }),
      client.search({ index: names.log, size: 0, aggs: { head: { max: { field: 'lastPosition' } } } }),
    ]);
    counter = meta._source?.value ?? 0;
    logHead = Number((log.aggregations?.head as { value: number | null } | undefined)?.value ?? 0);
    const metadata: BackupMetadata = {
      tool: SNAPSHOT_TOOL,
      formatVersion: 1,
      prefix: o.prefix,
      indices,
      aliases,
      counter,
      logHead,
      takenAt: new Date().toISOString(),
    };
    progress(`consistent snapshot ${o.snapshot} (position counter ${counter})`);
    try {
      info = await takeSnapshot(
        client,
        o.repository,
        o.snapshot,
        indices,
        metadata as unknown as Record<string, unknown>,
        progress,
        aborted,
        () => (created = true),
      );
    } catch (e) {
      // Interrupted (Ctrl-C, shutdown) or failed: Elasticsearch would go on with the snapshot once writes resume and
      // finish it as SUCCESS, a copy that is no cut of the store but lists and restores like a backup. It goes now,
      // while writes are still paused (deleting a running snapshot aborts it), bounded so the pause is not held long.
      const left = created ? await discardSnapshot(client, o.repository, o.snapshot, progress) : null;
      throw left ? new Error(`${(e as Error).message}; ${left}`) : e;
    }
  } finally {
    if (toBlock.length > 0)
      await client.indices.putSettings({ index: toBlock, settings: { 'index.blocks.write': false } }).catch((e: unknown) => {
        throw new Error(
          `could not resume writes on ${toBlock.join(', ')} (${(e as Error).message}): set index.blocks.write to false on them by hand`,
        );
      });
  }
  const writesPausedMs = Date.now() - pausedAt;
  progress(`writes resumed after ${writesPausedMs} ms`);
  return { snapshot: o.snapshot, indices, shards: info.shards?.total ?? 0, writesPausedMs, counter, logHead };
}

/**
 * Deletes (aborting it if still running) a snapshot this backup started; best effort, within 5 s (it may run while
 * writes are paused). Returns what to do by hand when it could not, else null.
 */
async function discardSnapshot(client: Client, repository: string, snapshot: string, progress: Progress): Promise<string | null> {
  try {
    await client.snapshot.delete({ repository, snapshot }, { requestTimeout: 5_000, maxRetries: 0 });
    progress(`deleted snapshot ${snapshot}`);
    return null;
  } catch (e) {
    if ((e as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return null;
    const left = `could not delete snapshot ${snapshot} (${(e as Error).message}): it is no usable backup, delete it by hand (DELETE _snapshot/${repository}/${snapshot})`;
    progress(left);
    return left;
  }
}

/** Names of this tool's snapshots of `prefix` in progress in the repository (warm-ups included). */
export async function backupsInProgress(client: Client, repository: string, prefix: string): Promise<string[]> {
  const r = await client.snapshot.get({ repository, snapshot: '_current' });
  return (r.snapshots ?? [])
    .filter((s) => {
      const m = s.metadata as { tool?: unknown; prefix?: unknown } | undefined;
      return m?.tool === SNAPSHOT_TOOL && m.prefix === prefix;
    })
    .map((s) => s.snapshot);
}

export interface SnapshotSummary {
  snapshot: string;
  prefix: string;
  state: string;
  startedAt: string;
  indices: number;
  counter: number | null;
}

/** This tool's snapshots in a repository, oldest first (warm-ups and others' snapshots left out). */
export async function listSnapshots(client: Client, repository: string): Promise<SnapshotSummary[]> {
  const r = await client.snapshot.get({ repository, snapshot: '_all' });
  return (r.snapshots ?? [])
    .filter(
      (s) => (s.metadata as Partial<BackupMetadata> | undefined)?.tool === SNAPSHOT_TOOL && !(s.metadata as { warmup?: boolean }).warmup,
    )
    .map((s) => {
      const m = s.metadata as unknown as BackupMetadata;
      return {
        snapshot: s.snapshot,
        prefix: m.prefix,
        state: s.state ?? 'UNKNOWN',
        startedAt: s.start_time ? String(s.start_time) : '',
        indices: s.indices?.length ?? 0,
        counter: m.counter ?? null,
      };
    });
}

export interface RestoreOptions {
  repository: string;
  snapshot: string;
  /** Restore under this prefix (default: the snapshot's own, e.g. into a fresh cluster). */
  toPrefix?: string;
  /** Replicas of the restored indices (default: as they were). */
  replicas?: number;
  progress?: Progress;
  /** How long the restored shards may take to recover (default RESTORE_TIMEOUT_MS); past it the restore fails. */
  timeoutMs?: number;
}

/** Default deadline of a restore's recovery: generous, as a copy may be large; a shard that can never recover fails sooner. */
export const RESTORE_TIMEOUT_MS = 60 * 60_000;

export interface RestoreResult {
  fromPrefix: string;
  prefix: string;
  indices: string[];
  aliases: number;
  counter: number;
  tookMs: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface ShardHealth {
  status?: string;
  primary_active?: boolean;
  unassigned_shards?: number;
  initializing_shards?: number;
}

/**
 * Waits until every restored shard has recovered and the indices are yellow or green. Fails with the reason when a
 * restored primary cannot be allocated (Elasticsearch's allocation explanation: no node may hold it, or its recovery
 * from the snapshot failed past its retries: it would stay red for ever), and at the deadline.
 */
async function waitForRestore(client: Client, targets: string[], timeoutMs: number, progress: Progress): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  /** Unassigned primaries Elasticsearch said it cannot allocate at the previous look (`index/shard` → why). */
  let refused = new Map<string, string>();
  for (let round = 0; ; round++) {
    const rec = await client.indices.recovery({ index: targets, active_only: false }).catch(() => ({}) as estypes.IndicesRecoveryResponse);
    let done = 0;
    let total = 0;
    let recovered = 0;
    let bytes = 0;
    for (const index of targets)
      for (const shard of rec[index]?.shards ?? []) {
        total++;
        if (shard.stage === 'DONE') done++;
        recovered += Number(shard.index?.size?.recovered_in_bytes ?? 0);
        bytes += Number(shard.index?.size?.total_in_bytes ?? 0);
      }
    const line = `  ${done}/${total} shards restored, ${mb(recovered)} of ${mb(bytes)}`;
    if (line !== last) progress(line);
    last = line;
    if (total >= targets.length && done === total) break;
    if (Date.now() >= deadline) throw new Error(`the restored shards did not finish within ${timeoutMs / 1000} s (${line.trim()})`);
    // About every second: restored primaries that are unassigned, and whether Elasticsearch can allocate them.
    if (round % 4 === 3) {
      const now = await unallocatablePrimaries(client, targets);
      // Said twice in a row (a second apart): not a passing state of the allocation.
      const still = [...now].filter(([shard]) => refused.has(shard));
      if (still.length > 0) {
        const byReason = new Map<string, string[]>();
        for (const [shard, why] of still) byReason.set(why, [...(byReason.get(why) ?? []), shard]);
        const reasons = [...byReason].map(([why, shards]) => `${shards.join(', ')}: ${why}`);
        throw new Error(
          `restored primary shards cannot be allocated, so those indices would stay red: ${reasons.join('; ').slice(0, 1500)}`,
        );
      }
      refused = now;
    }
    await sleep(250);
  }
  const remaining = Math.max(1000, deadline - Date.now());
  const health = await client.cluster.health(
    { index: targets, wait_for_status: 'yellow', timeout: `${Math.min(remaining, 60_000)}ms` },
    { ignore: [408] },
  );
  if (health.timed_out || health.status === 'red')
    throw new Error(`the restored indices are ${health.status}, not yellow or green, after their shards recovered`);
}

/** The restored primaries that are unassigned and that Elasticsearch says it cannot allocate (`index/shard` → why). */
async function unallocatablePrimaries(client: Client, targets: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const health = await client.cluster.health({ index: targets, level: 'shards' }).catch(() => null);
  if (!health || (health.unassigned_primary_shards ?? 1) === 0) return found;
  for (const [index, ih] of Object.entries(health.indices ?? {}))
    for (const [shard, sh] of Object.entries((ih as { shards?: Record<string, ShardHealth> }).shards ?? {})) {
      if (sh.primary_active || (sh.initializing_shards ?? 0) > 0 || (sh.unassigned_shards ?? 0) === 0) continue;
      const explain = await client.cluster.allocationExplain({ index, shard: Number(shard), primary: true }).catch(() => null);
      if (explain && ['no', 'no_valid_shard_copy'].includes(String(explain.can_allocate)))
        found.set(`${index}/${shard}`, explain.allocate_explanation ?? String(explain.can_allocate));
    }
  return found;
}

/** Restores a backup into a cluster where none of its indices exist (a fresh cluster, or a fresh prefix). */
export async function restoreStore(client: Client, o: RestoreOptions): Promise<RestoreResult> {
  const progress = o.progress ?? (() => undefined);
  const t0 = Date.now();
  const info = (await client.snapshot.get({ repository: o.repository, snapshot: o.snapshot })).snapshots?.[0];
  const meta = info?.metadata as unknown as BackupMetadata | undefined;
  if (!info || meta?.tool !== SNAPSHOT_TOOL) throw new Error(`${o.snapshot} in ${o.repository} is not a backup of this tool`);
  if (info.state !== 'SUCCESS') throw new Error(`snapshot ${o.snapshot} is ${info.state}, not SUCCESS`);
  const from = meta.prefix;
  const to = o.toPrefix ?? from;
  const rename = (name: string) => `${to}${name.slice(from.length)}`;
  const targets = meta.indices.map(rename);
  const present = Object.keys(await client.indices.get({ index: targets, ignore_unavailable: true, allow_no_indices: true }));
  if (present.length > 0)
    throw new Error(
      `restoring over existing indices is refused: ${present.join(', ')} (delete them, or restore under another --to-prefix)`,
    );
  progress(`restoring ${meta.indices.length} indices of "${from}" (taken ${meta.takenAt}, counter ${meta.counter}) as "${to}"`);
  await client.snapshot.restore({
    repository: o.repository,
    snapshot: o.snapshot,
    indices: meta.indices.join(','),
    include_global_state: false,
    // Aliases are recreated below under the target prefix: restored as they are they would join the source's.
    include_aliases: false,
    ...(to !== from ? { rename_pattern: `^${escapeRegExp(from)}-(.+)$`, rename_replacement: `${to}-$1` } : {}),
    // The consistent snapshot was taken under a write block: the restored store must accept writes.
    ignore_index_settings: ['index.blocks.write'],
    ...(o.replicas !== undefined ? { index_settings: { 'index.number_of_replicas': o.replicas } } : {}),
    wait_for_completion: false,
  });
  try {
    await waitForRestore(client, targets, o.timeoutMs ?? RESTORE_TIMEOUT_MS, progress);
  } catch (e) {
    // None of the targets existed before: what was restored of them goes, or it would be left red, holding shards
    // (and a retry would be refused as restoring over existing indices).
    const dropped = await client.indices.delete({ index: targets, ignore_unavailable: true }).then(
      () => 'deleted the restored indices',
      (d: unknown) => `could not delete the restored indices (${(d as Error).message}): delete ${targets.join(', ')} by hand`,
    );
    throw new Error(`restore of ${o.snapshot} as "${to}" failed: ${(e as Error).message}; ${dropped}`);
  }
  const actions: estypes.IndicesUpdateAliasesAction[] = [];
  for (const [alias, indices] of Object.entries(meta.aliases ?? {}))
    for (const index of indices) actions.push({ add: { index: rename(index), alias: rename(alias) } });
  if (actions.length > 0) await client.indices.updateAliases({ actions });
  progress(`restored ${targets.length} indices and ${actions.length} aliases`);
  return { fromPrefix: from, prefix: to, indices: targets, aliases: actions.length, counter: meta.counter, tookMs: Date.now() - t0 };
}
