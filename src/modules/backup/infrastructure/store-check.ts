import type { Client } from '@elastic/elasticsearch';
import { StreamNotFoundError, type ReadScope, type SearchFieldDeclarations } from '@gyroscops/event-store';
import { ElasticsearchEventStore, existingEventsLayout, indexNames } from '@gyroscops/event-store/elasticsearch';
import type { Progress } from './store-backup';

/**
 * Soundness of a store (typically one just restored), read through the store itself as the service would:
 *   1. the position counter is at or past the highest position in the log (no position will be handed out twice);
 *   2. the global log replays from position 0 up to the counter, as a projection rebuild reads it: every position
 *      resolves (a write the backup caught in flight is fenced after the gap timeout, as at run time), positions
 *      increase, and each stream's events come in version order without gaps;
 *   3. every stream head matches its stream: the head's version is the last version the log holds for it, and the
 *      stream read through the store ends at that version and at that event's position; no events without a head.
 * Leases the backup caught mid-append are settled first, exactly as the service's sweep would settle them.
 * Run it before the service writes to the store: appends made during the check show up as mismatches.
 */

export interface CheckOptions {
  prefix: string;
  searchFields?: SearchFieldDeclarations;
  /** How long the replay waits on an allocated position with no commit before fencing it (the store's default: 5 s). */
  gapTimeoutMs?: number;
  /** Leases older than this are settled before the comparison (the store's default: 5 s). */
  leaseMs?: number;
  concurrency?: number;
  progress?: Progress;
  /**
   * The store runs with a telemetry retention (EVENT_STORE_TELEMETRY_RETENTION): scavenging removes expired telemetry
   * from the middle of streams, so versions may skip in the log; they must still increase, and each stream must end
   * where its log ends.
   */
  telemetryGaps?: boolean;
}

export interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CheckResult {
  ok: boolean;
  items: CheckItem[];
  counter: number;
  logHead: number;
  events: number;
  streams: number;
  /** Streams whose lifecycle (retention, deletion) hides part or all of them: checked for order only. */
  streamsWithLifecycle: number;
  leasesSettled: number;
  tookMs: number;
}

interface Fold {
  first: number;
  last: number;
  lastPosition: number;
  count: number;
  outOfOrder: number;
}

const ADMIN: ReadScope = { organizationId: '-', isAdmin: true };
const MAX_PROBLEMS = 20;

export async function checkStore(client: Client, o: CheckOptions): Promise<CheckResult> {
  const progress = o.progress ?? (() => undefined);
  const t0 = Date.now();
  const names = indexNames(o.prefix);
  const items: CheckItem[] = [];
  const item = (name: string, ok: boolean, detail: string) => {
    items.push({ name, ok, detail });
    progress(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  };

  // The store's set-up would create what is missing: a restore that lost an index must fail here, not be papered over.
  const present = Object.keys(await client.indices.get({ index: Object.values(names), ignore_unavailable: true, allow_no_indices: true }));
  const missing = Object.values(names).filter((n) => !present.includes(n));
  item(
    'indices',
    missing.length === 0,
    missing.length === 0 ? `the store's ${present.length} indices are there` : `missing ${missing.join(', ')}`,
  );
  if (missing.length > 0)
    return {
      ok: false,
      items,
      counter: 0,
      logHead: 0,
      events: 0,
      streams: 0,
      streamsWithLifecycle: 0,
      leasesSettled: 0,
      tookMs: Date.now() - t0,
    };

  const store = new ElasticsearchEventStore({
    client,
    indexPrefix: o.prefix,
    searchFields: o.searchFields,
    gapTimeoutMs: o.gapTimeoutMs,
    leaseMs: o.leaseMs,
    sweepIntervalMs: 0,
    // The copy's events index keeps the shards and routing it was backed up with: the check reads it as it is.
    eventsIndex: await existingEventsLayout(client, names.events),
  });
  try {
    await store.setup();
    await client.indices.refresh({ index: [names.log, names.streams] });

    // 1. Counter against the log.
    const counter = ((await client.get<{ value: number }>({ index: names.meta, id: 'position' }))._source?.value ?? 0) as number;
    const agg = await client.search({ index: names.log, size: 0, aggs: { head: { max: { field: 'lastPosition' } } } });
    const logHead = Number((agg.aggregations?.head as { value: number | null } | undefined)?.value ?? 0);
    item('counter', counter >= logHead, `position counter ${counter}, highest log position ${logHead}`);

    // Leases caught mid-append: roll forward what committed, fence what did not.
    let leasesSettled = 0;
    for (let round = 0; round < 1000; round++) {
      const n = await store.sweepPendingLeases(100);
      leasesSettled += n;
      if (n === 0) break;
      await client.indices.refresh({ index: names.streams });
    }
    if (leasesSettled > 0) progress(`settled ${leasesSettled} stream leases the backup caught mid-append`);

    // 2. Replay the global log from the start, as a projection rebuild does.
    const folds = new Map<string, Fold>();
    const problems: string[] = [];
    let events = 0;
    let after = 0;
    let lastPosition = 0;
    let lastReport = Date.now();
    const replayStarted = Date.now();
    // A position stays unresolved at most the gap timeout (then the reader fences it): far longer means a fault.
    const stallMs = Math.max(30_000, 6 * (o.gapTimeoutMs ?? 5000));
    let movedAt = Date.now();
    while (after < counter) {
      const slice = await store.readAll({ after, maxCount: 1000 });
      if (slice.checkpoint > after) movedAt = Date.now();
      else if (Date.now() - movedAt > stallMs) {
        problems.push(`the log does not resolve past position ${after} (counter ${counter})`);
        break;
      }
      for (const e of slice.events) {
        events++;
        if (e.position <= lastPosition && problems.length < MAX_PROBLEMS)
          problems.push(`position ${e.position} delivered after ${lastPosition}`);
        lastPosition = e.position;
        const f = folds.get(e.aggregateId);
        if (!f) folds.set(e.aggregateId, { first: e.version, last: e.version, lastPosition: e.position, count: 1, outOfOrder: 0 });
        else {
          if (o.telemetryGaps ? e.version <= f.last : e.version !== f.last + 1) {
            f.outOfOrder++;
            if (problems.length < MAX_PROBLEMS)
              problems.push(`${e.aggregateId}: version ${e.version} after ${f.last} (position ${e.position})`);
          }
          f.last = e.version;
          f.lastPosition = e.position;
          f.count++;
        }
      }
      after = slice.checkpoint;
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        progress(`  replayed ${after} of ${counter} positions, ${events} events, ${folds.size} streams`);
      }
      if (slice.events.length === 0 && slice.checkpoint < counter) await new Promise((r) => setTimeout(r, 100));
    }
    item(
      'replay',
      problems.length === 0,
      problems.length === 0
        ? `the log replays from 0 to ${after}: ${events} events of ${folds.size} streams in order, in ${((Date.now() - replayStarted) / 1000).toFixed(1)} s`
        : `${problems.length}${problems.length === MAX_PROBLEMS ? '+' : ''} ordering faults, first: ${problems.slice(0, 5).join('; ')}`,
    );

    // 3. Every head against the log's fold and against the stream read through the store.
    const headProblems: string[] = [];
    const seen = new Set<string>();
    let streams = 0;
    let withLifecycle = 0;
    let searchAfter: (string | number)[] | undefined;
    const concurrency = o.concurrency ?? 8;
    for (;;) {
      const page = await client.search<{ version?: number; lifecycle?: unknown }>({
        index: names.streams,
        size: 500,
        sort: [{ aggregateId: 'asc' }],
        _source: ['version', 'lifecycle'],
        ...(searchAfter ? { search_after: searchAfter } : {}),
      });
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      searchAfter = hits[hits.length - 1].sort as (string | number)[];
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = next++; i < hits.length; i = next++) {
            const id = hits[i]._id as string;
            const lifecycle = hits[i]._source?.lifecycle;
            seen.add(id);
            streams++;
            if (lifecycle) withLifecycle++;
            const problem = await checkHead(store, id, hits[i]._source?.version ?? 0, folds.get(id), !!lifecycle, !!o.telemetryGaps);
            if (problem && headProblems.length < MAX_PROBLEMS) headProblems.push(problem);
          }
        }),
      );
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        progress(`  checked ${streams} stream heads`);
      }
    }
    const orphans = [...folds.keys()].filter((id) => !seen.has(id));
    for (const id of orphans.slice(0, 5)) headProblems.push(`${id}: ${folds.get(id)?.count} events in the log and no stream head`);
    item(
      'heads',
      headProblems.length === 0 && orphans.length === 0,
      headProblems.length === 0
        ? `${streams} stream heads match their streams${withLifecycle ? ` (${withLifecycle} with retention or deletion: order checked only)` : ''}`
        : `${headProblems.length}${headProblems.length >= MAX_PROBLEMS ? '+' : ''} mismatches, first: ${headProblems.slice(0, 5).join('; ')}`,
    );
    return {
      ok: items.every((i) => i.ok),
      items,
      counter,
      logHead,
      events,
      streams,
      streamsWithLifecycle: withLifecycle,
      leasesSettled,
      tookMs: Date.now() - t0,
    };
  } finally {
    await store.close();
  }
}

/** Why a head does not match its stream, or null. */
async function checkHead(
  store: ElasticsearchEventStore,
  id: string,
  headVersion: number,
  fold: Fold | undefined,
  lifecycle: boolean,
  telemetryGaps: boolean,
): Promise<string | null> {
  let version: number;
  let last: { version: number; position: number } | undefined;
  try {
    const slice = await store.readStream(id, ADMIN, { direction: 'backward', maxCount: 1 });
    version = slice.version;
    last = slice.events[0];
  } catch (e) {
    // A deleted stream reads as not found, as does a head whose first append never committed (a writer that died
    // holding the lease, fenced since): neither is a fault.
    if (e instanceof StreamNotFoundError && (lifecycle || (headVersion === 0 && !fold))) return null;
    return `${id}: ${(e as Error).message}`;
  }
  if (!fold) return lifecycle || telemetryGaps ? null : `${id}: head at version ${version}, no events in the log`;
  // Scavenged telemetry may have been the stream's last versions: the head is then past the log's last event.
  if (telemetryGaps ? fold.last > version : fold.last !== version)
    return `${id}: head at version ${version}, the log ends at version ${fold.last}`;
  if (!lifecycle && !telemetryGaps && (fold.first !== 1 || fold.count !== fold.last))
    return `${id}: the log holds ${fold.count} events from version ${fold.first} to ${fold.last}`;
  if (last && ((!telemetryGaps && last.version !== version) || last.version !== fold.last || last.position !== fold.lastPosition))
    return `${id}: the stream ends at version ${last.version}, position ${last.position}; the log at ${fold.last}, position ${fold.lastPosition}`;
  if (!last && !lifecycle && !telemetryGaps) return `${id}: the stream reads empty at version ${version}`;
  return null;
}
