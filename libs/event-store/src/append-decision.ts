import { InvalidEventError, StreamDeletedError, StreamNotFoundError, WrongExpectedVersionError } from './event-store.errors';
import type { ExpectedVersion, NewEvent, WriteContext } from './event-store.port';
import { expectedVersionMatches } from './event-validation';
import { judgeRetry, type EventLocation } from './idempotency';
import { streamExists, type StreamLifecycle } from './stream-lifecycle';

/** What an adapter knows of a stream when it decides an append (null: the stream does not exist). */
export interface StreamState {
  version: number;
  organizationId: string;
  aggregateType: string;
  lifecycle?: StreamLifecycle | null;
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
  if (stream?.lifecycle?.hardDeleted) {
    if (stream.organizationId !== req.ctx.organizationId && !req.ctx.isAdmin) throw new StreamNotFoundError(req.aggregateId);
    throw new StreamDeletedError(req.aggregateId);
  }
  // A soft-deleted stream does not exist for the writer, but its versions go on after its last one.
  const exists = !!stream && streamExists(stream.lifecycle, stream.version);
  const owned = !!stream && stream.version > 0;
  if (owned && stream.organizationId !== req.ctx.organizationId && !req.ctx.isAdmin) throw new StreamNotFoundError(req.aggregateId);
  if (owned && stream.aggregateType !== req.aggregateType) {
    throw new InvalidEventError(`stream ${req.aggregateId} holds ${stream.aggregateType} events, not ${req.aggregateType}`, [
      { field: 'aggregateType' },
    ]);
  }
  const verdict = judgeRetry(req.aggregateId, req.events, req.expectedVersion, located);
  if (verdict.kind === 'already-stored') return verdict;
  const version = stream?.version ?? 0;
  const visible = exists ? version : 0;
  if (!expectedVersionMatches(req.expectedVersion, exists, visible)) {
    throw new WrongExpectedVersionError(req.aggregateId, req.expectedVersion, visible);
  }
  return {
    kind: 'append',
    fromVersion: version + 1,
    toVersion: version + req.events.length,
    organizationId: owned ? stream.organizationId : req.ctx.organizationId,
  };
}
