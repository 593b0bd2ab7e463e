import { RateMeter } from './rate-meter';

describe('RateMeter', () => {
  it('averages over the window and decays to 0 when idle', () => {
    let now = 0;
    const m = new RateMeter(10_000, () => now);
    for (let i = 0; i < 10; i++) {
      m.record(100);
      now += 1000;
    }
    expect(m.rate()).toBe(100);
    now += 20_000;
    expect(m.rate()).toBe(0);
  });

  it('does not report a spike for a single early sample', () => {
    let now = 0;
    const m = new RateMeter(10_000, () => now);
    m.record(50);
    now += 10;
    expect(m.rate()).toBe(50);
  });
});
