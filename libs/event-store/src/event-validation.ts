import { randomUUID } from 'node:crypto';
import { InvalidEventError } from './event-store.errors';
import type { ExpectedVersion, JsonObject, NewEvent, StoredEvent, WriteContext } from './event-store.port';
import { validatePersonal } from './personal-data';

export const EVENT_LIMITS = {
  maxEventsPerAppend: 1000,
  maxEventTypeLength: 200,
  maxAggregateIdLength: 256,
  maxAggregateTypeLength: 100,
  /** The events index maps schemaVersion as an Elasticsearch `integer`, which refuses larger values. */
  maxSchemaVersion: 2_147_483_647,
  /** Correlation, causation, user, organization and source ids: indexed as keywords, which Elasticsearch refuses past 32 KB. */
  maxContextIdLength: 512,
} as const;

/** Ids safe as Elasticsearch document ids and URL segments: no `*`, `/`, `..`, NUL, leading `_` or `-`. */
export const AGGREGATE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,255}$/;
export const AGGREGATE_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function assertAggregateId(aggregateId: unknown): asserts aggregateId is string {
  if (typeof aggregateId !== 'string' || !AGGREGATE_ID_PATTERN.test(aggregateId) || aggregateId.includes('..')) {
    throw new InvalidEventError(
      'aggregateId must be 1-256 characters of letters, digits and . _ : @ -, starting with a letter or digit, without ".."',
      [{ field: 'aggregateId' }],
    );
  }
}

export function assertExpectedVersion(v: unknown): asserts v is ExpectedVersion {
  if (v === 'any' || v === 'no_stream' || v === 'stream_exists') return;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0)) return;
  throw new InvalidEventError('expectedVersion must be a non-negative integer or one of any, no_stream, stream_exists', [
    { field: 'expectedVersion' },
  ]);
}

/** Validates a proposed append; throws InvalidEventError with per-field details, stores nothing. */
export function validateAppend(aggregateId: unknown, aggregateType: unknown, events: unknown, expectedVersion: unknown): void {
  assertAggregateId(aggregateId);
  if (typeof aggregateType !== 'string' || !AGGREGATE_TYPE_PATTERN.test(aggregateType)) {
    throw new InvalidEventError('aggregateType must be 1-100 characters: a letter, then letters, digits, _ . -', [
      { field: 'aggregateType' },
    ]);
  }
  assertExpectedVersion(expectedVersion);
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventError('events must be a non-empty array', [{ field: 'events' }]);
  }
  if (events.length > EVENT_LIMITS.maxEventsPerAppend) {
    throw new InvalidEventError(`at most ${EVENT_LIMITS.maxEventsPerAppend} events per append`, [{ field: 'events' }]);
  }
  const seen = new Set<string>();
  const details: { field: string; message: string }[] = [];
  events.forEach((e: unknown, i) => {
    const at = `events[${i}]`;
    if (!isPlainObject(e)) {
      details.push({ field: at, message: 'must be an object' });
      return;
    }
    if (typeof e.eventType !== 'string' || e.eventType.length < 1 || e.eventType.length > EVENT_LIMITS.maxEventTypeLength) {
      details.push({ field: `${at}.eventType`, message: `must be a string of 1-${EVENT_LIMITS.maxEventTypeLength} characters` });
    }
    if (!isPlainObject(e.eventData)) details.push({ field: `${at}.eventData`, message: 'must be an object' });
    if (e.metadata !== undefined && !isPlainObject(e.metadata)) details.push({ field: `${at}.metadata`, message: 'must be an object' });
    if (
      e.schemaVersion !== undefined &&
      !(
        Number.isSafeInteger(e.schemaVersion) &&
        (e.schemaVersion as number) >= 1 &&
        (e.schemaVersion as number) <= EVENT_LIMITS.maxSchemaVersion
      )
    ) {
      details.push({ field: `${at}.schemaVersion`, message: `must be an integer from 1 to ${EVENT_LIMITS.maxSchemaVersion}` });
    }
    if (e.personal !== undefined) {
      try {
        validatePersonal(e.personal, `${at}.personal`);
      } catch (x) {
        details.push(...(((x as InvalidEventError).details as { field: string; message: string }[]) ?? []));
      }
    }
    if (e.eventId !== undefined) {
      if (typeof e.eventId !== 'string' || !UUID_PATTERN.test(e.eventId)) {
        details.push({ field: `${at}.eventId`, message: 'must be a UUID' });
      } else if (seen.has(e.eventId.toLowerCase())) {
        details.push({ field: `${at}.eventId`, message: 'is repeated within this append' });
      } else {
        seen.add(e.eventId.toLowerCase());
      }
    }
  });
  if (details.length > 0) throw new InvalidEventError('invalid events', details);
}

/**
 * Checks the writer's context. Its ids become keyword fields of every event's searchable document; one Elasticsearch
 * refuses (a keyword over 32 KB) would leave a committed append that can never be indexed, so they are bounded here.
 */
export function validateWriteContext(ctx: WriteContext): void {
  const details: { field: string; message: string }[] = [];
  const ids: [string, unknown, boolean][] = [
    ['correlationId', ctx?.correlationId, false],
    ['causationId', ctx?.causationId, true],
    ['userId', ctx?.userId, false],
    ['organizationId', ctx?.organizationId, false],
    ['source', ctx?.source, false],
  ];
  for (const [field, value, nullable] of ids) {
    if (nullable && value === null) continue;
    if (typeof value !== 'string' || value.length < 1 || value.length > EVENT_LIMITS.maxContextIdLength) {
      details.push({ field: `context.${field}`, message: `must be a string of 1-${EVENT_LIMITS.maxContextIdLength} characters` });
    }
  }
  if (details.length > 0) throw new InvalidEventError('invalid write context', details);
}

/** Builds the stored envelopes of an append once its versions and positions are known. */
export function buildEnvelopes(
  aggregateId: string,
  aggregateType: string,
  organizationId: string,
  events: NewEvent[],
  ctx: WriteContext,
  fromVersion: number,
  firstPosition: number,
  timestamp: string,
): StoredEvent[] {
  return events.map((e, i) => ({
    eventId: (e.eventId ?? randomUUID()).toLowerCase(),
    aggregateId,
    aggregateType,
    eventType: e.eventType,
    eventData: e.eventData,
    version: fromVersion + i,
    position: firstPosition + i,
    timestamp,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    schemaVersion: e.schemaVersion ?? 1,
    // The caller's identity always wins over anything the client put in metadata.
    metadata: { ...(e.metadata ?? {}), userId: ctx.userId, organizationId, source: ctx.source },
    // Sealed by the adapter before it gets here (personal-data.ts).
    ...(e.personal ? { personal: e.personal } : {}),
  }));
}

/** Checks an expected version against the stream's current version (0 and absent = no stream). */
export function expectedVersionMatches(expected: ExpectedVersion, exists: boolean, version: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return !exists || version === 0;
  if (expected === 'stream_exists') return exists && version > 0;
  return expected === (exists ? version : 0);
}
