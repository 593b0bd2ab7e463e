import {
  assertBucketLimit,
  bucketKey,
  countBuckets,
  isoWeek,
  MAX_BUCKETS,
  parseBound,
  parseInterval,
  parseTimeZone,
  parseWindow,
  zonedParts,
  zonedToInstant,
} from './time-buckets';

const at = (iso: string) => new Date(iso).getTime();

describe('time buckets', () => {
  describe('when naming buckets', () => {
    it('names hours in UTC with Z and in a zone with its offset', () => {
      expect(bucketKey(at('2024-12-19T10:00:00Z'), 'hour', 'UTC')).toBe('2024-12-19T10:00:00Z');
      expect(bucketKey(at('2024-12-19T10:00:00Z'), 'hour', 'Europe/Paris')).toBe('2024-12-19T11:00:00+01:00');
      expect(bucketKey(at('2024-12-19T10:00:00Z'), 'hour', 'America/New_York')).toBe('2024-12-19T05:00:00-05:00');
      expect(bucketKey(at('2024-12-19T10:15:00Z'), 'hour', 'Asia/Kathmandu')).toBe('2024-12-19T16:00:00+05:45');
    });

    it('keeps the two 02:00 hours apart when the clock goes back', () => {
      expect(bucketKey(at('2024-10-27T00:00:00Z'), 'hour', 'Europe/Paris')).toBe('2024-10-27T02:00:00+02:00');
      expect(bucketKey(at('2024-10-27T01:00:00Z'), 'hour', 'Europe/Paris')).toBe('2024-10-27T02:00:00+01:00');
    });

    it('names days, months and ISO weeks in the zone', () => {
      expect(bucketKey(at('2024-12-18T23:00:00Z'), 'day', 'Europe/Paris')).toBe('2024-12-19');
      expect(bucketKey(at('2024-12-19T00:00:00Z'), 'day', 'UTC')).toBe('2024-12-19');
      expect(bucketKey(at('2024-11-30T23:00:00Z'), 'month', 'Europe/Paris')).toBe('2024-12');
      expect(bucketKey(at('2024-12-16T00:00:00Z'), 'week', 'UTC')).toBe('2024-W51');
      expect(bucketKey(at('2024-12-30T00:00:00Z'), 'week', 'UTC')).toBe('2025-W01');
      expect(bucketKey(at('2020-12-28T00:00:00Z'), 'week', 'UTC')).toBe('2020-W53');
    });
  });

  describe('ISO weeks', () => {
    it.each([
      ['2024-12-19', 2024, 51],
      ['2021-01-03', 2020, 53],
      ['2021-01-04', 2021, 1],
      ['2019-12-30', 2020, 1],
      ['2026-01-01', 2026, 1],
      ['2027-01-01', 2026, 53],
    ])('puts %s in week %i-W%i', (date, year, week) => {
      const [y, m, d] = date.split('-').map(Number);
      expect(isoWeek(y, m, d)).toEqual({ year, week });
    });
  });

  describe('when counting buckets of a range', () => {
    it('counts the buckets the closed range touches', () => {
      expect(countBuckets(at('2024-12-19T10:30:00Z'), at('2024-12-19T12:00:00Z'), 'hour', 'UTC')).toBe(3);
      expect(countBuckets(at('2024-12-19T10:00:00Z'), at('2024-12-19T10:59:59Z'), 'hour', 'UTC')).toBe(1);
      expect(countBuckets(at('2024-12-01T00:00:00Z'), at('2024-12-31T23:59:59Z'), 'day', 'UTC')).toBe(31);
      expect(countBuckets(at('2024-12-01T00:00:00Z'), at('2024-12-31T23:59:59Z'), 'week', 'UTC')).toBe(6);
      expect(countBuckets(at('2024-01-15T00:00:00Z'), at('2024-12-01T00:00:00Z'), 'month', 'UTC')).toBe(12);
    });

    it('counts days in the zone, not in UTC', () => {
      expect(countBuckets(at('2024-12-18T23:30:00Z'), at('2024-12-19T22:30:00Z'), 'day', 'UTC')).toBe(2);
      expect(countBuckets(at('2024-12-18T23:30:00Z'), at('2024-12-19T22:30:00Z'), 'day', 'Europe/Paris')).toBe(1);
    });

    it('counts the real hours across a daylight saving change', () => {
      // 2024-10-27 in Paris has 25 hours.
      expect(countBuckets(at('2024-10-26T22:00:00Z'), at('2024-10-27T22:59:59Z'), 'hour', 'Europe/Paris')).toBe(25);
    });

    it('refuses a range over the limit with the numbers in the details', () => {
      expect(() => assertBucketLimit(new Date('2020-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'), 'hour', 'UTC')).toThrow(
        expect.objectContaining({ code: 'ANALYTICS.TOO_MANY_BUCKETS', httpStatus: 400 }),
      );
      expect(() => assertBucketLimit(new Date('2020-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'), 'hour', 'UTC')).toThrow(
        expect.objectContaining({
          details: [expect.objectContaining({ field: 'interval', interval: 'hour', buckets: 35065, limit: MAX_BUCKETS })],
        }),
      );
      expect(() => assertBucketLimit(new Date('2020-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z'), 'day', 'UTC')).not.toThrow();
    });
  });

  describe('when reading parameters', () => {
    it('accepts known intervals and refuses others with ANALYTICS.INVALID_INTERVAL', () => {
      expect(parseInterval(undefined)).toBe('day');
      expect(parseInterval('week')).toBe('week');
      expect(() => parseInterval('year')).toThrow(expect.objectContaining({ code: 'ANALYTICS.INVALID_INTERVAL', httpStatus: 400 }));
    });

    it('canonicalizes IANA zones and refuses unknown ones and bare offsets', () => {
      expect(parseTimeZone(undefined)).toBe('UTC');
      expect(parseTimeZone('europe/paris')).toBe('Europe/Paris');
      for (const bad of ['Mars/Olympus_Mons', '+01:00', 'Europe/Paris; drop']) {
        expect(() => parseTimeZone(bad)).toThrow(expect.objectContaining({ code: 'ANALYTICS.INVALID_TIME_ZONE' }));
      }
    });

    it('reads instants and whole days in the zone', () => {
      expect(parseBound('from', '2024-12-19T10:00:00Z', 'Europe/Paris')?.toISOString()).toBe('2024-12-19T10:00:00.000Z');
      expect(parseBound('from', '2024-12-19T10:00:00+01:00', 'UTC')?.toISOString()).toBe('2024-12-19T09:00:00.000Z');
      expect(parseBound('from', '2024-12-19', 'Europe/Paris')?.toISOString()).toBe('2024-12-18T23:00:00.000Z');
      expect(parseBound('to', '2024-12-19', 'Europe/Paris')?.toISOString()).toBe('2024-12-19T22:59:59.999Z');
      expect(parseBound('to', '2024-12-31', 'UTC')?.toISOString()).toBe('2024-12-31T23:59:59.999Z');
      expect(parseBound('from', undefined, 'UTC')).toBeUndefined();
      expect(parseBound('from', '0050-01-01', 'UTC')?.toISOString()).toBe('0050-01-01T00:00:00.000Z');
    });

    it('refuses what is not an ISO 8601 date with ANALYTICS.INVALID_DATE', () => {
      // A date-time without its offset names no instant: the API's time-range convention wants the offset.
      for (const bad of ['yesterday', '2024-02-30', '2024-12-19T25:00:00Z', '2024-W51', '1734600000000', '2024-12-19T10:00:00']) {
        expect(() => parseBound('from', bad, 'UTC')).toThrow(expect.objectContaining({ code: 'ANALYTICS.INVALID_DATE', httpStatus: 400 }));
      }
    });

    it('reads from after to as an empty window, and one day as a full one', () => {
      expect(parseWindow({ from: '2024-12-20', to: '2024-12-19' })).toMatchObject({ empty: true });
      expect(parseWindow({ from: '2024-12-19', to: '2024-12-19' })).toMatchObject({ timeZone: 'UTC', empty: false });
    });
  });

  describe('zoned wall times', () => {
    it('resolves ambiguous times to the earlier instant and gap times forward', () => {
      expect(new Date(zonedToInstant('Europe/Paris', 2024, 10, 27, 2, 30)).toISOString()).toBe('2024-10-27T00:30:00.000Z');
      expect(new Date(zonedToInstant('Europe/Paris', 2024, 3, 31, 2, 30)).toISOString()).toBe('2024-03-31T01:30:00.000Z');
      expect(zonedParts(at('2024-07-01T00:00:00Z'), 'Europe/Paris').offsetMinutes).toBe(120);
    });

    it('reads UTC wall times from the Date as Intl formats them (Etc/UTC goes through Intl)', () => {
      const instants = [
        at('1899-12-31T23:59:59.999Z'),
        at('1900-01-01T00:00:00Z'),
        at('1970-01-01T00:00:00Z'),
        at('2024-02-29T23:59:59.999Z'),
        at('9999-12-31T23:59:59.999Z'),
        8.64e15,
      ];
      let seed = 16;
      for (let i = 0; i < 2000; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        instants.push(at('1900-01-01T00:00:00Z') + (seed / 2 ** 31) * (at('2200-01-01T00:00:00Z') - at('1900-01-01T00:00:00Z')));
      }
      for (const t of instants) expect(zonedParts(t, 'UTC')).toEqual(zonedParts(t, 'Etc/UTC'));
    });
  });
});
