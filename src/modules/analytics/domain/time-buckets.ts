import { boundInstant, readTimeBound, utcMs } from '../../../common/time/time-bound';
import { InvalidDateError, InvalidIntervalError, InvalidTimeZoneError, TooManyBucketsError } from '../analytics.errors';

/**
 * Calendar arithmetic for time series: intervals, time zones, bucket keys and the bucket limit.
 * Plain TypeScript over Intl (the IANA database Node ships); Elasticsearch does the bucketing, this names the buckets.
 */

export type Interval = 'hour' | 'day' | 'week' | 'month';
export const INTERVALS: readonly Interval[] = ['hour', 'day', 'week', 'month'];

/** Elasticsearch `calendar_interval` of each interval; `1w` buckets start on Monday. */
export const CALENDAR_INTERVAL: Readonly<Record<Interval, '1h' | '1d' | '1w' | '1M'>> = { hour: '1h', day: '1d', week: '1w', month: '1M' };

/**
 * Most buckets one time series may have (documented in the API): 10,000 hours is about 416 days, 10,000 days
 * about 27 years. Keeps every response bounded and every request below Elasticsearch's `search.max_buckets`
 * (65,536 per request), including the hourly and daily series statistics asks for in one request.
 */
export const MAX_BUCKETS = 10_000;

export const UTC = 'UTC';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export function parseInterval(value: string | undefined, fallback: Interval = 'day'): Interval {
  if (value === undefined || value === '') return fallback;
  if ((INTERVALS as readonly string[]).includes(value)) return value as Interval;
  throw new InvalidIntervalError(value, INTERVALS);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    if (formatters.size > 1000) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * An IANA zone name (`Europe/Paris`, `UTC`), in its canonical spelling: Elasticsearch (Java) is case-sensitive,
 * Intl is not. Offsets like `+01:00` are refused: a zone, not an offset, knows daylight saving time.
 */
export function parseTimeZone(value: string | undefined): string {
  if (value === undefined || value === '') return UTC;
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) throw new InvalidTimeZoneError(value);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidTimeZoneError(value);
  }
}

/** Wall-clock fields of an instant in a zone, and the zone's offset from UTC at that instant. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  offsetMinutes: number;
}

/** UTC's wall clock from 1900 on is read from the Date itself: the fields Intl gives, without formatting them. */
const UTC_FAST_FROM_MS = Date.UTC(1900, 0, 1);
const MAX_DATE_MS = 8.64e15;

export function zonedParts(epochMs: number, timeZone: string): ZonedParts {
  if (timeZone === UTC && epochMs >= UTC_FAST_FROM_MS && epochMs <= MAX_DATE_MS) {
    const t = new Date(epochMs);
    return {
      year: t.getUTCFullYear(),
      month: t.getUTCMonth() + 1,
      day: t.getUTCDate(),
      hour: t.getUTCHours(),
      minute: t.getUTCMinutes(),
      second: t.getUTCSeconds(),
      offsetMinutes: 0,
    };
  }
  const p: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
  const asUtc = utcMs(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return {
    year: p.year,
    month: p.month,
    day: p.day,
    hour: p.hour,
    minute: p.minute,
    second: p.second,
    offsetMinutes: Math.round((asUtc - wholeSeconds) / 60_000),
  };
}

/** The instant a wall-clock time names in a zone: the earlier one when the clock goes back, the shifted one in a gap. */
export function zonedToInstant(timeZone: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const wall = utcMs(y, mo - 1, d, h, mi, s, ms);
  // Offsets on either side of any transition near this wall time.
  const before = zonedParts(wall - 12 * HOUR_MS, timeZone).offsetMinutes * 60_000;
  const after = zonedParts(wall + 12 * HOUR_MS, timeZone).offsetMinutes * 60_000;
  const names = (t: number) => {
    const p = zonedParts(t, timeZone);
    return p.year === y && p.month === mo && p.day === d && p.hour === h && p.minute === mi;
  };
  const candidates = [wall - before, wall - after].filter(names).sort((a, b) => a - b);
  return candidates[0] ?? wall - before;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function offsetSuffix(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(utcMs(y, m - 1, d) / DAY_MS);
}

/** ISO 8601 week of a calendar date: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeek(y: number, m: number, d: number): { year: number; week: number } {
  const n = dayNumber(y, m, d);
  const weekday = ((((n + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday; Monday = 1
  const thursday = n - weekday + 4;
  const thursdayYear = new Date(thursday * DAY_MS).getUTCFullYear();
  const week = Math.floor((thursday - dayNumber(thursdayYear, 1, 1)) / 7) + 1;
  return { year: thursdayYear, week };
}

/**
 * Key of the bucket starting at `startMs`: hour `2024-12-19T10:00:00Z` (or `…T11:00:00+01:00` in a zone), day
 * `2024-12-19`, week `2024-W51` (the ISO week of the bucket's Monday), month `2024-12`, all in the bucket's zone.
 */
export function bucketKey(startMs: number, interval: Interval, timeZone: string): string {
  const p = zonedParts(startMs, timeZone);
  const date = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
  switch (interval) {
    case 'hour':
      return `${date}T${pad(p.hour)}:${pad(p.minute)}:00${offsetSuffix(p.offsetMinutes)}`;
    case 'day':
      return date;
    case 'week': {
      const w = isoWeek(p.year, p.month, p.day);
      return `${pad(w.year, 4)}-W${pad(w.week)}`;
    }
    case 'month':
      return `${pad(p.year, 4)}-${pad(p.month)}`;
  }
}

/** How many buckets of `interval` the closed range [from, to] touches in `timeZone`. */
export function countBuckets(fromMs: number, toMs: number, interval: Interval, timeZone: string): number {
  if (toMs < fromMs) return 0;
  const a = zonedParts(fromMs, timeZone);
  const b = zonedParts(toMs, timeZone);
  switch (interval) {
    case 'hour': {
      // Elapsed hours on the grid of from's local hours: daylight saving shifts do not add or remove hours.
      const shift = a.offsetMinutes * 60_000;
      return Math.floor((toMs + shift) / HOUR_MS) - Math.floor((fromMs + shift) / HOUR_MS) + 1;
    }
    case 'day':
      return dayNumber(b.year, b.month, b.day) - dayNumber(a.year, a.month, a.day) + 1;
    case 'week': {
      const monday = (p: ZonedParts) => {
        const n = dayNumber(p.year, p.month, p.day);
        return n - ((((n + 3) % 7) + 7) % 7);
      };
      return (monday(b) - monday(a)) / 7 + 1;
    }
    case 'month':
      return b.year * 12 + b.month - (a.year * 12 + a.month) + 1;
  }
}

/** The finest interval whose series over the range stays within the limit. */
export function finestInterval(fromMs: number, toMs: number, timeZone: string, limit = MAX_BUCKETS): Interval {
  return INTERVALS.find((i) => countBuckets(fromMs, toMs, i, timeZone) <= limit) ?? 'month';
}

/** Refuses a range that would produce more than `limit` buckets. */
export function assertBucketLimit(from: Date, to: Date, interval: Interval, timeZone: string, limit = MAX_BUCKETS): void {
  const n = countBuckets(from.getTime(), to.getTime(), interval, timeZone);
  if (n > limit) throw new TooManyBucketsError(interval, n, limit, from, to);
}

/**
 * Reads a `from`/`to` parameter with the API's time-range convention (common/time/time-bound.ts): an RFC 3339
 * date-time with its offset is that instant; a date is the start of that day in `timeZone` for `from`, and its
 * last millisecond for `to`, so `from=2024-12-01&to=2024-12-31` covers all of December.
 */
export function parseBound(field: 'from' | 'to', value: string | undefined, timeZone: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const bound = readTimeBound(value);
  if (!bound) throw new InvalidDateError(field, value);
  return boundInstant(field, bound, (y, m, d) => zonedToInstant(timeZone, y, m, d));
}

/** A validated time window: optional bounds in a known zone; `empty` when from is after to (nothing can match). */
export interface TimeWindow {
  from?: Date;
  to?: Date;
  timeZone: string;
  empty: boolean;
}

export function parseWindow(params: { from?: string; to?: string; timeZone?: string }): TimeWindow {
  const timeZone = parseTimeZone(params.timeZone);
  const from = parseBound('from', params.from, timeZone);
  const to = parseBound('to', params.to, timeZone);
  return { from, to, timeZone, empty: from !== undefined && to !== undefined && from.getTime() > to.getTime() };
}

/** Bucket counts keyed by their names, in bucket order (buckets that share a name add up). */
export function keyedCounts(
  buckets: readonly { start: number; count: number }[],
  interval: Interval,
  timeZone: string,
): Record<string, number> {
  const out = new Map<string, number>();
  for (const b of buckets) {
    const key = bucketKey(b.start, interval, timeZone);
    out.set(key, (out.get(key) ?? 0) + b.count);
  }
  return Object.fromEntries(out);
}
