/**
 * The API's one time-range convention: `from` and `to`, both inclusive, each an RFC 3339 date-time with its
 * offset (an instant: `2024-12-19T10:00:00Z`, `2024-12-19T11:00:00+01:00`) or an RFC 3339 full-date (a whole day:
 * `from=2024-12-01&to=2024-12-31` is all of December; UTC days, or days in `timeZone` where an endpoint takes one).
 * `from` after `to` is an empty range: it matches nothing. Plain TypeScript, shared by the DTOs that validate and
 * the handlers that read the bounds, so both agree on every value.
 */

/** The OpenAPI schema of a bound: exactly the two RFC 3339 productions accepted below. */
export const TIME_BOUND_SCHEMA = {
  type: 'string' as const,
  anyOf: [
    { type: 'string' as const, format: 'date-time' },
    { type: 'string' as const, format: 'date' },
  ],
};

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Earliest and latest instants a bound may name: RFC 3339 years 0000-9999 (an offset can push a bound past them). */
const EARLIEST = utcMs(0, 0, 1);
const LATEST = utcMs(9999, 11, 31, 23, 59, 59, 999);

/** Date.UTC without its trap: years 0-99 stay years 0-99 instead of becoming 1900-1999. */
export function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(utcMs(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** A bound read from its text: a calendar day, or an instant. */
export type TimeBound = { kind: 'date'; year: number; month: number; day: number } | { kind: 'instant'; at: Date };

const clamp = (ms: number): Date => new Date(Math.min(LATEST, Math.max(EARLIEST, ms)));

/** The bound `value` names, or null when it is neither an RFC 3339 date-time with an offset nor a full-date. */
export function readTimeBound(value: string): TimeBound | null {
  const date = DATE.exec(value);
  if (date) {
    const [y, m, d] = date.slice(1, 4).map(Number);
    return validDate(y, m, d) ? { kind: 'date', year: y, month: m, day: d } : null;
  }
  const dt = DATE_TIME.exec(value);
  if (!dt) return null;
  const [y, m, d, h, mi, s] = dt.slice(1, 7).map(Number);
  // 60 is a leap second: RFC 3339 allows it, and the instant is the next minute's start.
  if (!validDate(y, m, d) || h > 23 || mi > 59 || s > 60) return null;
  const ms = dt[7] ? Number(dt[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMinutes = 0;
  if (!dt[8]) {
    const oh = Number(dt[10]);
    const om = Number(dt[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (dt[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return { kind: 'instant', at: clamp(utcMs(y, m - 1, d, h, mi, s, ms) - offsetMinutes * 60_000) };
}

export const isTimeBound = (value: string): boolean => readTimeBound(value) !== null;

/**
 * The instant a bound stands for: a date is the first millisecond of that day for `from`, its last for `to`,
 * in UTC unless `dayStart` places days in a time zone.
 */
export function boundInstant(
  field: 'from' | 'to',
  bound: TimeBound,
  dayStart: (year: number, month: number, day: number) => number = (y, m, d) => utcMs(y, m - 1, d),
): Date {
  if (bound.kind === 'instant') return bound.at;
  if (field === 'from') return clamp(dayStart(bound.year, bound.month, bound.day));
  const next = new Date(utcMs(bound.year, bound.month - 1, bound.day + 1));
  return clamp(dayStart(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) - 1);
}

/** A validated range: bounds as instants (UTC days), and whether it can match anything at all. */
export interface TimeRange {
  from?: Date;
  to?: Date;
  /** `from` after `to`: nothing can match; callers answer an empty result without asking Elasticsearch. */
  empty: boolean;
}

/** Reads `from`/`to` already checked by the DTO (TimeRangeQueryDto); days are UTC days. */
export function timeRangeOf(q: { from?: string; to?: string }): TimeRange {
  const read = (field: 'from' | 'to', v: string | undefined): Date | undefined => {
    if (v === undefined) return undefined;
    const bound = readTimeBound(v);
    if (!bound) throw new Error(`${field} was not validated`);
    return boundInstant(field, bound);
  };
  const from = read('from', q.from);
  const to = read('to', q.to);
  return { from, to, empty: from !== undefined && to !== undefined && from.getTime() > to.getTime() };
}

/** The instant an already validated RFC 3339 date-time names (`at` of the replay endpoints). */
export function instantOf(value: string): Date {
  const bound = readTimeBound(value);
  if (bound?.kind !== 'instant') throw new Error(`${value} was not validated as a date-time`);
  return bound.at;
}
