import { EVENT_LIMITS } from './event-validation';
import { LIFECYCLE_STREAM } from './stream-lifecycle';

/**
 * Store-wide retention by event type, for types that are pure telemetry (heartbeats, metric samples): events of a
 * listed type older than its age are out of reach for every read, wherever they sit in their stream, and scavenging
 * removes them from disk. Event type → maximum age in seconds. The admin stream is never affected.
 */
export type TelemetryRetention = Readonly<Record<string, number>>;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^([1-9][0-9]{0,9})(s|m|h|d|w)$/;
/** Ten years: an age past this is a typo, not a telemetry retention. */
const MAX_AGE_SECONDS = 10 * 365 * 86_400;

export class TelemetryRetentionError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid telemetry retention: ${problems.join('; ')}`);
    this.name = 'TelemetryRetentionError';
  }
}

/**
 * Parses `Heartbeat=7d,MetricSampled=24h` (units s, m, h, d, w); an empty string is no retention. Throws
 * TelemetryRetentionError naming every bad entry.
 */
export function parseTelemetryRetention(spec: string | undefined): TelemetryRetention {
  const out: Record<string, number> = {};
  const problems: string[] = [];
  if (spec === undefined || spec.trim() === '') return out;
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    const eq = entry.indexOf('=');
    const type = eq < 0 ? entry : entry.slice(0, eq).trim();
    const age = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (eq < 0 || type === '' || age === '') {
      problems.push(`"${entry}" is not <EventType>=<age> (for example Heartbeat=7d)`);
      continue;
    }
    const m = DURATION.exec(age);
    if (!m) {
      problems.push(`${type}: "${age}" is not an age such as 30m, 24h or 7d (units s, m, h, d, w)`);
      continue;
    }
    if (type in out) {
      problems.push(`${type} is listed twice`);
      continue;
    }
    out[type] = Number(m[1]) * UNIT_SECONDS[m[2]];
  }
  try {
    validateTelemetryRetention(out);
  } catch (e) {
    if (e instanceof TelemetryRetentionError) problems.push(...e.problems);
    else throw e;
  }
  if (problems.length > 0) throw new TelemetryRetentionError(problems);
  return Object.freeze(out);
}

/** Checks a retention given in code: event types as the store accepts them, ages positive whole seconds up to ten years. */
export function validateTelemetryRetention(retention: unknown): asserts retention is TelemetryRetention {
  if (typeof retention !== 'object' || retention === null || Array.isArray(retention)) {
    throw new TelemetryRetentionError(['must map event types to ages in seconds']);
  }
  const problems: string[] = [];
  for (const [type, age] of Object.entries(retention)) {
    if (type.length < 1 || type.length > EVENT_LIMITS.maxEventTypeLength || /[\s,=]/.test(type)) {
      problems.push(`"${type}" is not an event type (1-${EVENT_LIMITS.maxEventTypeLength} characters, no spaces, commas or =)`);
    } else if (!Number.isSafeInteger(age) || (age as number) < 1 || (age as number) > MAX_AGE_SECONDS) {
      problems.push(`${type}: the age must be between 1 second and 10 years`);
    }
  }
  if (problems.length > 0) throw new TelemetryRetentionError(problems);
}

export function hasTelemetryRetention(retention: TelemetryRetention | undefined): retention is TelemetryRetention {
  return !!retention && Object.keys(retention).length > 0;
}

/** True when the telemetry retention puts this event out of reach at `now` (epoch ms). */
export function telemetryExpired(
  retention: TelemetryRetention | undefined,
  event: { aggregateId: string; eventType: string; timestamp: string },
  now: number,
): boolean {
  const age = retention?.[event.eventType];
  if (!age || event.aggregateId === LIFECYCLE_STREAM || !Object.prototype.hasOwnProperty.call(retention, event.eventType)) return false;
  return Date.parse(event.timestamp) < now - age * 1000;
}

/** Each retained type with the timestamp below which its events are out of reach at `now`. */
export function telemetryCutoffs(retention: TelemetryRetention | undefined, now: number): { eventType: string; before: string }[] {
  return Object.entries(retention ?? {}).map(([eventType, age]) => ({ eventType, before: new Date(now - age * 1000).toISOString() }));
}

/** `Heartbeat=7d,MetricSampled=24h` again, for logs and the README's examples. */
export function formatTelemetryRetention(retention: TelemetryRetention | undefined): string {
  const unit = (s: number) => {
    for (const [u, n] of Object.entries(UNIT_SECONDS).reverse()) if (s % n === 0) return `${s / n}${u}`;
    return `${s}s`;
  };
  return Object.entries(retention ?? {})
    .map(([t, s]) => `${t}=${unit(s)}`)
    .join(',');
}
