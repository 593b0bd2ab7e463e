import { minPositionOf, parseMinPosition } from './min-position';
import { InvalidMinPositionError } from './projection.errors';

describe('minPosition parsing', () => {
  it('accepts non-negative integers as numbers or strings, and nothing at all', () => {
    expect(parseMinPosition('42')).toBe(42);
    expect(parseMinPosition(7)).toBe(7);
    expect(parseMinPosition(undefined)).toBeUndefined();
    expect(parseMinPosition('')).toBeUndefined();
    expect(parseMinPosition(['5', '6'])).toBe(5);
  });

  it.each(['-1', '1.5', 'abc', '1e3', '9999999999999999'])('refuses %s with PROJECTION.INVALID_MIN_POSITION (400)', (v) => {
    const error = (() => {
      try {
        parseMinPosition(v);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(InvalidMinPositionError);
    expect(error).toMatchObject({ code: 'PROJECTION.INVALID_MIN_POSITION', httpStatus: 400 });
  });

  it('reads the query first, then the x-min-position header', () => {
    expect(minPositionOf({ query: { minPosition: '3' }, headers: { 'x-min-position': '9' } })).toBe(3);
    expect(minPositionOf({ query: {}, headers: { 'x-min-position': '9' } })).toBe(9);
    expect(minPositionOf({})).toBeUndefined();
  });
});
