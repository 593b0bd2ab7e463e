import { multiplyMinorHalfEven, parseQuantity } from './quantity';

describe('quantities', () => {
  it('parses numbers and decimal strings exactly, normalised', () => {
    expect(parseQuantity('002.500')).toEqual({ text: '2.5', digits: 25n, scale: 1 });
    expect(parseQuantity(3)).toEqual({ text: '3', digits: 3n, scale: 0 });
    expect(parseQuantity('0.000001')).toMatchObject({ text: '0.000001', scale: 6 });
  });
  it.each([[0], ['0.0'], [-1], ['1e3'], [Infinity], [NaN], ['0.0000001'], ['1234567890'], [null], [{}], ['']])(
    'refuses %p with QUANTITY.INVALID',
    (v) => {
      expect(() => parseQuantity(v)).toThrow(expect.objectContaining({ code: 'QUANTITY.INVALID', httpStatus: 400 }));
    },
  );
  it.each([
    ['0.5', 1, 0n],
    ['1.5', 1, 2n],
    ['2.5', 1, 2n],
    ['3.5', 1, 4n],
    ['0.3451', 100, 35n],
    ['0.345', 100, 34n],
    ['999999999.999999', 99999, 99999000000000n],
  ])('multiplies %s × %d minor units to %d, half to even', (q, unit, expected) => {
    expect(multiplyMinorHalfEven(parseQuantity(q), unit)).toBe(expected);
  });
});
