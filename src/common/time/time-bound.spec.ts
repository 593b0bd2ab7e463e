import { instantOf, isTimeBound, readTimeBound, timeRangeOf } from './time-bound';

describe('time bounds (from/to)', () => {
  describe('when a value is an RFC 3339 date-time with its offset or a full-date', () => {
    it.each([
      ['2024-12-19T10:00:00Z', '2024-12-19T10:00:00.000Z'],
      ['2024-12-19t10:00:00z', '2024-12-19T10:00:00.000Z'],
      ['2024-12-19T11:00:00+01:00', '2024-12-19T10:00:00.000Z'],
      ['2024-12-19T10:00:00.123456-00:30', '2024-12-19T10:30:00.123Z'],
      ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
      ['0001-01-01T00:00:00+23:59', '0000-12-31T00:01:00.000Z'],
    ])('reads %s as the instant %s', (value, iso) => {
      expect(instantOf(value).toISOString()).toBe(iso);
    });

    it('clamps an instant an offset pushes past year 9999 (no event lies beyond)', () => {
      expect(instantOf('9999-12-31T23:59:59-23:59').toISOString()).toBe('9999-12-31T23:59:59.999Z');
    });

    it('reads a date as a whole UTC day: from its first millisecond, to its last', () => {
      expect(readTimeBound('2024-02-29')).toEqual({ kind: 'date', year: 2024, month: 2, day: 29 });
      const range = timeRangeOf({ from: '2024-12-01', to: '2024-12-31' });
      expect(range).toEqual({ from: new Date('2024-12-01T00:00:00.000Z'), to: new Date('2024-12-31T23:59:59.999Z'), empty: false });
    });
  });

  describe('when a value is anything else', () => {
    it.each([
      '2024-12-19T10:00:00',
      '2024-12-19 10:00:00Z',
      '2023-02-29',
      '2024-13-01',
      '2024-12-19T24:00:00Z',
      '2024-12-19T10:00Z',
      '1734600000000',
      'yesterday',
      '',
    ])('refuses %p', (value) => {
      expect(isTimeBound(value)).toBe(false);
    });
  });

  describe('when from is after to', () => {
    it('is an empty range, not an error', () => {
      expect(timeRangeOf({ from: '2024-12-02', to: '2024-12-01' }).empty).toBe(true);
      expect(timeRangeOf({ from: '2024-12-01', to: '2024-12-01' }).empty).toBe(false);
      expect(timeRangeOf({}).empty).toBe(false);
    });
  });
});
