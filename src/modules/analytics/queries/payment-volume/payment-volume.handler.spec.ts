import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import type { AnalyticsReader, CurrencySeries } from '../../analytics.port';
import { PaymentVolumeHandler } from './payment-volume.handler';
import { PaymentVolumeQuery } from './payment-volume.query';

const ctx: RequestContext = {
  correlationId: 'c',
  causationId: null,
  userId: 'u',
  organizationId: 'org-a',
  roles: ['reader'],
  source: 'api',
};
const at = (iso: string) => Date.parse(iso);

describe('PaymentVolumeHandler', () => {
  it('formats exact minor-unit sums with each currency’s exponent, and leaves codes that are no currency unformatted', async () => {
    const series: CurrencySeries[] = [
      { currency: 'BHD', count: 1, sumMinor: 1005, buckets: [{ start: at('2024-12-19T00:00:00Z'), count: 1, sumMinor: 1005 }] },
      {
        currency: 'EUR',
        count: 3,
        sumMinor: 1_000_000_000_001,
        buckets: [
          { start: at('2024-12-19T00:00:00Z'), count: 3, sumMinor: 1_000_000_000_001 },
          { start: at('2024-12-20T00:00:00Z'), count: 0, sumMinor: 0 },
        ],
      },
      { currency: 'JPY', count: 1, sumMinor: 7, buckets: [{ start: at('2024-12-19T00:00:00Z'), count: 1, sumMinor: 7 }] },
      { currency: 'ZZZ', count: 1, sumMinor: 5, buckets: [{ start: at('2024-12-19T00:00:00Z'), count: 1, sumMinor: 5 }] },
    ];
    const reader = { paymentVolume: jest.fn(async () => series), extent: jest.fn() } as unknown as AnalyticsReader;
    const r = await RequestContextStore.run(ctx, () =>
      new PaymentVolumeHandler(reader).execute(new PaymentVolumeQuery({ from: '2024-12-19', to: '2024-12-20' })),
    );
    expect(r.interval).toBe('day');
    expect(r.currencies.BHD).toMatchObject({ volume: '1.005', volumeMinor: 1005 });
    expect(r.currencies.EUR).toEqual({
      payments: 3,
      volume: '10000000000.01',
      volumeMinor: 1_000_000_000_001,
      series: {
        '2024-12-19': { payments: 3, volume: '10000000000.01', volumeMinor: 1_000_000_000_001 },
        '2024-12-20': { payments: 0, volume: '0.00', volumeMinor: 0 },
      },
    });
    expect(r.currencies.JPY.volume).toBe('7');
    expect(r.currencies.ZZZ).toMatchObject({ volume: null, volumeMinor: 5 });
    expect(reader.extent).not.toHaveBeenCalled();
    expect(reader.paymentVolume).toHaveBeenCalledWith(
      expect.objectContaining({ eventType: 'PaymentProcessed', aggregateType: 'Payment' }),
      { organizationId: 'org-a', isAdmin: false },
      'day',
      'UTC',
    );
  });
});
