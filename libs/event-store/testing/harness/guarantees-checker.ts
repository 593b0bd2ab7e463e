import type { StoredEvent } from '@gyroscops/event-store';
import type { FinalState } from './final-state';
import type { AppendRecord, HistoryRecord } from './history';

export interface Violation {
  guarantee: string;
  detail: string;
}

export interface CheckOptions {
  /**
   * EventStoreUnavailable is documented as "nothing was recorded": hold the store to it. Off, it counts as an
   * ambiguous outcome (stored wholly or not at all), like an error whose code says the outcome is unknown.
   */
  unavailableMeansAbsent: boolean;
}

const opOf = (e: StoredEvent) => e.metadata.harnessOp as number;
const k = (e: StoredEvent) => (e.eventData as { k: number }).k;
const where = (e: StoredEvent) => `${e.aggregateId}@${e.version} (position ${e.position}, id ${e.eventId}, op ${opOf(e)})`;
const same = (a: StoredEvent, b: StoredEvent) =>
  a.eventId === b.eventId && a.aggregateId === b.aggregateId && a.version === b.version && a.position === b.position && opOf(a) === opOf(b);
const describeCall = (r: AppendRecord) =>
  `op ${r.call.op} (${r.call.events.length} event(s) to ${r.call.aggregateId}, expected ${String(r.expectedVersion)}${r.call.retryOf !== undefined ? `, retry of op ${r.call.retryOf}` : ''})`;

/**
 * Checks a run's history against the store's guarantees, given the final state read back through the public API.
 * Each violation names the guarantee it breaks; an empty list means the run is consistent with every one of them.
 */
export function checkGuarantees(history: HistoryRecord[], final: FinalState, options: CheckOptions): Violation[] {
  const out: Violation[] = [];
  const fail = (guarantee: string, detail: string) => {
    if (out.length < 50) out.push({ guarantee, detail });
  };
  const appends = history.filter((r): r is AppendRecord => r.type === 'append');

  // Final per-stream contents: the authority for what is stored.
  const stored = new Map<string, StoredEvent[]>();
  for (const [id, s] of final.streams) {
    if (s.ok) stored.set(id, s.value.events);
    else if (s.code !== 'StreamNotFound') fail('stream readable', `readStream(${id}) failed after the dust settled: ${s.error}`);
  }
  const allStored = [...stored.values()].flat();

  for (const [id, events] of stored) {
    const s = final.streams.get(id);
    const version = s?.ok ? s.value.version : 0;
    const versions = events.map((e) => e.version);
    if (versions.some((v, i) => v !== i + 1) || versions.length !== version) {
      fail('versions gapless 1..N', `${id} reports version ${version} and holds versions [${versions.join(',')}]`);
    }
    for (let i = 1; i < events.length; i++) {
      if (events[i].position <= events[i - 1].position) {
        fail('log positions increase with versions', `${where(events[i - 1])} then ${where(events[i])}`);
      }
    }
  }

  const byId = new Map<string, StoredEvent[]>();
  for (const e of allStored) byId.set(e.eventId, [...(byId.get(e.eventId) ?? []), e]);
  for (const [eventId, copies] of byId) {
    if (copies.length > 1)
      fail('each eventId at most once', `${eventId} is stored ${copies.length} times: ${copies.map(where).join('; ')}`);
  }

  const byOp = new Map<number, StoredEvent[]>();
  for (const e of allStored) byOp.set(opOf(e), [...(byOp.get(opOf(e)) ?? []), e]);

  for (const r of appends) {
    const mine = byOp.get(r.call.op) ?? [];
    const o = r.outcome;
    if (o.kind === 'foreign') fail("failures are the port's errors", `${describeCall(r)} failed with ${o.message}`);
    if (o.kind === 'refused' && mine.length > 0) {
      fail(
        'an append refused without ambiguity is absent',
        `${describeCall(r)} was refused (${o.code}: ${o.message}) but stored ${mine.map(where).join('; ')}`,
      );
    }
    if (o.kind === 'unavailable' && options.unavailableMeansAbsent && mine.length > 0) {
      fail(
        'EventStoreUnavailable means nothing was recorded',
        `${describeCall(r)} was answered "${o.message}" but stored ${mine.map(where).join('; ')}`,
      );
    }
    if (mine.length > 0) checkStoredCall(r, mine, fail);
    if (o.kind === 'ack') checkAck(r, o, stored, fail);
  }

  for (const r of history) {
    if (r.type !== 'command' || (r.outcome.kind !== 'applied' && r.outcome.kind !== 'replayed')) continue;
    for (const id of r.outcome.eventIds) {
      if (!byId.has(id))
        fail(
          "an executed command's events are stored",
          `${r.commandId} on ${r.aggregateId} answered ${r.outcome.kind} with ${id}, which no stream holds`,
        );
    }
  }

  checkRefusals(appends, stored, fail);
  checkLog(final, allStored, fail);
  checkReadsDuringRun(history, appends, final, stored, fail);
  checkGetEvent(final, allStored, fail);
  return out;
}

type Fail = (guarantee: string, detail: string) => void;

/**
 * An exact expected version the stream held from before the call until after its answer is never refused: an append
 * acknowledged before the call started reached it, and every stored event past it was written by a call that started
 * after this one was answered. (A refusal must be true at some moment of the call, not of a state the store remembers.)
 */
function checkRefusals(appends: AppendRecord[], stored: Map<string, StoredEvent[]>, fail: Fail): void {
  const byOp = new Map(appends.map((r) => [r.call.op, r]));
  for (const r of appends) {
    const o = r.outcome;
    const expected = r.expectedVersion;
    if (o.kind !== 'refused' || o.code !== 'WrongExpectedVersion' || typeof expected !== 'number' || expected < 1) continue;
    const id = r.call.aggregateId;
    const reached = appends.some(
      (x) =>
        x.call.aggregateId === id &&
        x.outcome.kind === 'ack' &&
        x.end < r.start &&
        x.outcome.fromVersion <= expected &&
        expected <= x.outcome.version,
    );
    if (!reached) continue;
    const past = (stored.get(id) ?? []).filter((e) => e.version > expected);
    if (past.every((e) => (byOp.get(opOf(e))?.start ?? -Infinity) > r.end)) {
      fail(
        'an expected version the stream held throughout the call is not refused',
        `${describeCall(r)} was refused (${o.message}) though ${id} was at version ${expected} from before the call until after its answer`,
      );
    }
  }
}

/** What one call physically stored: all of it or nothing, contiguous, ids as sent, where its expectation allowed. */
function checkStoredCall(r: AppendRecord, mine: StoredEvent[], fail: Fail): void {
  const n = r.call.events.length;
  const sorted = [...mine].sort((a, b) => a.version - b.version);
  if (sorted.length !== n) {
    fail(
      'an append is stored wholly or not at all',
      `${describeCall(r)} (${r.outcome.kind}) has ${sorted.length} of ${n} events stored: ${sorted.map(where).join('; ')}`,
    );
    return;
  }
  sorted.forEach((e, i) => {
    const sent = r.call.events[k(e)]?.eventId?.toLowerCase();
    if (k(e) !== i || (sent !== undefined && sent !== e.eventId) || e.aggregateId !== r.call.aggregateId) {
      fail('events stored as sent', `${describeCall(r)}: event ${i} stored as ${where(e)} (sent id ${sent ?? 'none'}, k ${k(e)})`);
    }
    if (i > 0 && (e.version !== sorted[0].version + i || e.position !== sorted[0].position + i)) {
      fail('an append is stored wholly or not at all', `${describeCall(r)}: not contiguous: ${sorted.map(where).join('; ')}`);
    }
  });
  const first = sorted[0].version;
  const x = r.expectedVersion;
  const ok = x === 'any' || (x === 'no_stream' ? first === 1 : x === 'stream_exists' ? first > 1 : first === (x as number) + 1);
  if (!ok) fail('expected version respected', `${describeCall(r)} stored from version ${first}`);
}

function checkAck(
  r: AppendRecord,
  o: Extract<AppendRecord['outcome'], { kind: 'ack' }>,
  stored: Map<string, StoredEvent[]>,
  fail: Fail,
): void {
  const stream = stored.get(r.call.aggregateId) ?? [];
  if (o.events.length !== r.call.events.length || o.version - o.fromVersion + 1 !== o.events.length) {
    fail(
      'an acknowledgement describes the append',
      `${describeCall(r)} acknowledged ${o.events.length} events, versions ${o.fromVersion}..${o.version}`,
    );
  }
  o.events.forEach((e, i) => {
    const sent = r.call.events[i]?.eventId?.toLowerCase();
    if (sent !== undefined && sent !== e.eventId)
      fail('an acknowledgement describes the append', `${describeCall(r)} acknowledged id ${e.eventId} for ${sent}`);
    const there = stream[e.version - 1];
    if (!there || !same(there, e)) {
      fail(
        'each acknowledged event is present at its acknowledged version and position',
        `${describeCall(r)} acknowledged ${where(e)}; stream has ${there ? where(there) : 'nothing there'}`,
      );
    }
  });
  const last = o.events[o.events.length - 1];
  if (last && last.position !== o.position)
    fail(
      'an acknowledgement describes the append',
      `${describeCall(r)} acknowledged position ${o.position}, last event at ${last.position}`,
    );
}

function checkLog(final: FinalState, allStored: StoredEvent[], fail: Fail): void {
  if (!final.log.ok) {
    fail('readAll delivers every committed event', `readAll from 0 failed: ${final.log.error}`);
    return;
  }
  const log = final.log.value;
  if (log.stuckAt !== undefined)
    fail(
      'readAll delivers every committed event',
      `readAll from 0 is stuck at checkpoint ${log.stuckAt} (head ${log.head}) with nothing in flight`,
    );
  const seen = new Set<string>();
  for (let i = 0; i < log.events.length; i++) {
    const e = log.events[i];
    if (i > 0 && e.position <= log.events[i - 1].position)
      fail('readAll delivers in position order, each once', `${where(log.events[i - 1])} then ${where(e)}`);
    const key = `${e.aggregateId}@${e.version}`;
    if (seen.has(key)) fail('readAll delivers in position order, each once', `${where(e)} delivered twice`);
    seen.add(key);
  }
  const inLog = new Map(log.events.map((e) => [`${e.aggregateId}@${e.version}`, e]));
  for (const e of allStored) {
    const l = inLog.get(`${e.aggregateId}@${e.version}`);
    if (!l) fail('readAll delivers every committed event', `${where(e)} is in its stream but readAll from 0 never delivers it`);
    else if (!same(l, e)) fail('readAll delivers what the streams hold', `stream has ${where(e)}, log has ${where(l)}`);
  }
  if (log.events.length > allStored.length) {
    const inStreams = new Set(allStored.map((e) => `${e.aggregateId}@${e.version}`));
    for (const l of log.events)
      if (!inStreams.has(`${l.aggregateId}@${l.version}`))
        fail('readAll delivers only committed events', `${where(l)} is in the log but not in its stream`);
  }
  for (const [p, s] of final.suffixes) {
    const expected = log.events.filter((e) => e.position > p);
    if (!s.ok) {
      fail('readAll from any checkpoint delivers exactly the suffix', `readAll({after: ${p}}) failed: ${s.error}`);
      continue;
    }
    const got = s.value.events;
    const lost = expected.filter((e) => !got.some((g) => same(g, e)));
    const extra = got.filter((g) => !expected.some((e) => same(g, e)));
    if (lost.length > 0 || extra.length > 0 || s.value.stuckAt !== undefined) {
      fail(
        'readAll from any checkpoint delivers exactly the suffix',
        `readAll({after: ${p}})${s.value.stuckAt !== undefined ? ` is stuck at ${s.value.stuckAt};` : ''}${lost.length ? ` never delivers ${lost.map(where).join('; ')};` : ''}${extra.length ? ` delivers ${extra.map(where).join('; ')} that are not after it` : ''}`,
      );
    }
  }
}

/** Reads made while writers ran: consistent with the final state, and never older than an append acknowledged before them. */
function checkReadsDuringRun(
  history: HistoryRecord[],
  appends: AppendRecord[],
  final: FinalState,
  stored: Map<string, StoredEvent[]>,
  fail: Fail,
): void {
  const log = final.log.ok ? final.log.value.events : null;
  for (const r of history) {
    if (r.type === 'readStream' && 'version' in r.result) {
      const stream = stored.get(r.aggregateId) ?? [];
      const read = r.result;
      read.events.forEach((e, i) => {
        const there = stream[i];
        if (e.version !== i + 1 || !there || !same(there, e)) {
          fail(
            'stream reads show committed events only',
            `a read of ${r.aggregateId} during the run saw ${where(e)}; finally ${there ? where(there) : 'nothing'} is there`,
          );
        }
      });
      const ackedBefore = appends.filter((a) => a.call.aggregateId === r.aggregateId && a.outcome.kind === 'ack' && a.end < r.start);
      const floor = Math.max(0, ...ackedBefore.map((a) => (a.outcome.kind === 'ack' ? a.outcome.version : 0)));
      if (read.version < floor)
        fail('read your writes', `a read of ${r.aggregateId} saw version ${read.version} after version ${floor} was acknowledged`);
    }
    if (r.type === 'readAll' && 'events' in r.result && log) {
      const page = r.result;
      const expected = log.filter((e) => e.position > r.after && e.position <= page.checkpoint);
      const matches = expected.length === page.events.length && expected.every((e, i) => same(e, page.events[i]));
      if (!matches) {
        fail(
          'readAll from any checkpoint delivers exactly the suffix',
          `during the run readAll({after: ${r.after}, maxCount: ${r.maxCount}}) returned [${page.events.map(where).join('; ')}] up to checkpoint ${page.checkpoint}; the log holds [${expected.map(where).join('; ')}] there`,
        );
      }
    }
  }
}

function checkGetEvent(final: FinalState, allStored: StoredEvent[], fail: Fail): void {
  const storedById = new Map(allStored.map((e) => [e.eventId, e]));
  for (const [id, got] of final.byEventId) {
    const e = storedById.get(id);
    if (e && (!got.ok || !same(got.value, e)))
      fail('getEvent finds each stored event', `getEvent(${id}) answered ${got.ok ? where(got.value) : got.error}; stored ${where(e)}`);
    if (!e && got.ok) fail('getEvent finds only stored events', `getEvent(${id}) answered ${where(got.value)}, which no stream holds`);
    if (!e && !got.ok && got.code !== 'EventNotFound')
      fail('getEvent finds only stored events', `getEvent(${id}) of an id never stored failed with ${got.code ?? got.error}`);
  }
}
