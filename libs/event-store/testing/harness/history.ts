import type { AllSlice, ExpectedVersion, StoredEvent } from '@gyroscops/event-store';
import type { CommandRecord } from './command-workload';
import type { PlannedAppend } from './workload';

/**
 * How an append ended, as its caller saw it:
 * - ack: acknowledged with versions and positions;
 * - refused: an unambiguous refusal (WrongExpectedVersion, DuplicateEvent, StreamNotFound, InvalidEvent): nothing stored;
 * - unavailable: EventStoreUnavailable, documented as "nothing was recorded";
 * - unknown: an error that says the outcome is unknown (its code mentions it): stored wholly or not at all;
 * - no-answer: its instance died first;
 * - foreign: anything else (a driver error leaking through the port, a TypeError): a violation by itself.
 */
export type AppendOutcome =
  | { kind: 'ack'; fromVersion: number; version: number; position: number; events: StoredEvent[] }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'unknown'; code: string; message: string }
  | { kind: 'no-answer' }
  | { kind: 'foreign'; message: string };

export interface AppendRecord {
  type: 'append';
  call: PlannedAppend;
  expectedVersion: ExpectedVersion | null;
  /** Logical time: `start` when called, `end` when answered (Infinity without an answer). */
  start: number;
  end: number;
  outcome: AppendOutcome;
}

export interface ReadAllRecord {
  type: 'readAll';
  actor: number;
  instance: number;
  after: number;
  maxCount: number;
  start: number;
  end: number;
  result: AllSlice | { error: string; code?: string };
}

export interface ReadStreamRecord {
  type: 'readStream';
  actor: number;
  instance: number;
  aggregateId: string;
  start: number;
  end: number;
  result: { version: number; events: StoredEvent[] } | { error: string; code?: string };
}

export type HistoryRecord = AppendRecord | ReadAllRecord | ReadStreamRecord | CommandRecord;

const UNAMBIGUOUS_REFUSALS = new Set(['WrongExpectedVersion', 'DuplicateEvent', 'StreamNotFound', 'InvalidEvent']);

/** Classifies by the error's stable code only, so new error classes of the store slot in without harness changes. */
export function classifyFailure(e: unknown): AppendOutcome {
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' && UNAMBIGUOUS_REFUSALS.has(code)) return { kind: 'refused', code, message };
  if (code === 'EventStoreUnavailable') return { kind: 'unavailable', message };
  if (typeof code === 'string' && /unknown|ambiguous|uncertain/i.test(code)) return { kind: 'unknown', code, message };
  return { kind: 'foreign', message: `${(e as Error)?.name ?? typeof e}: ${message}` };
}

/** A logical clock shared by all actors of a run: orders calls and answers (real-time order, without timing). */
export class History {
  readonly records: HistoryRecord[] = [];
  private tick = 0;
  now(): number {
    return ++this.tick;
  }
  add<R extends HistoryRecord>(r: R): R {
    this.records.push(r);
    return r;
  }
  get appends(): AppendRecord[] {
    return this.records.filter((r): r is AppendRecord => r.type === 'append');
  }
}
