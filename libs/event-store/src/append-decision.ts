import { InvalidEventError, StreamNotFoundError, WrongExpectedVersionError } from './event-store.errors';
import type { ExpectedVersion, NewEvent, WriteContext } from './event-store.port';
import { expectedVersionMatches } from './event-validation';
import { judgeRetry, type EventLocation } from './idempotency';

/** What an adapter knows of a stream when it decides an append (null: the stream does not exist). */
export interface StreamState {
  version: number;
  organizationId: string;
  aggregateType: string;
}

export interface AppendRequest {
  aggregateId: string;
  aggregateType: string;
  events: readonly NewEvent[];
  expectedVersion: ExpectedVersion;
  ctx: WriteContext;
}

export type AppendDecision =
  | { kind: 'already-stored'; fromVersion: number; toVersion: number }
  | { kind: 'append'; fromVersion: number; toVersion: number; organizationId: string };

/**
 * The checks every adapter makes before an append, in one pure function: tenancy (another organization's stream
 * does not exist for the writer), the stream's aggregate type, idempotent retries by client eventId (against the
 * committed locations of those ids), then the expected version. Throws the store's errors; stores nothing.
 */
export function decideAppend(req: AppendRequest, stream: StreamState | null, located: ReadonlyMap<string, EventLocation>): AppendDecision {
  const exists = !!stream && stream.version > 0;
  if (exists && stream.organizationId !== req.ctx.organizationId && !req.ctx.isAdmin) throw new StreamNotFoundError(req.aggregateId);
  if (exists && stream.aggregateType !== req.aggregateType) {
    throw new InvalidEventError(`stream ${req.aggregateId} holds ${stream.aggregateType} events, not ${req.aggregateType}`, [
      { field: 'aggregateType' },
    ]);
  }
  const verdict = judgeRetry(req.aggregateId, req.events, req.expectedVersion, located);
  if (verdict.kind === 'already-stored') return verdict;
  const version = stream?.version ?? 0;
  if (!expectedVersionMatches(req.expectedVersion, exists, version)) {
    throw new WrongExpectedVersionError(req.aggregateId, req.expectedVersion, version);
  }
  return {
    kind: 'append',
    fromVersion: version + 1,
    toVersion: version + req.events.length,
    organizationId: exists ? stream.organizationId : req.ctx.organizationId,
  };
}
