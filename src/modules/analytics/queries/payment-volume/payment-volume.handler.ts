import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { PAYMENT } from '../../domain/event-catalog';
import { moneyText } from '../../domain/figures';
import { assertBucketLimit, bucketKey, parseInterval, parseWindow } from '../../domain/time-buckets';
import { closedRange } from '../closed-range';
import { PaymentVolumeQuery, type PaymentVolume, type VolumeFigure } from './payment-volume.query';

/** Processed payment volume per currency over time: sums of integer minor units, formatted with the currency exponent. */
@QueryHandler(PaymentVolumeQuery)
export class PaymentVolumeHandler implements IQueryHandler<PaymentVolumeQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: PaymentVolumeQuery): Promise<PaymentVolume> {
    const interval = parseInterval(params.interval);
    const window = parseWindow(params);
    const scope = readScopeOf();
    const filter = { eventType: PAYMENT.processed, aggregateType: PAYMENT.aggregateType, from: window.from, to: window.to };
    const range = await closedRange(this.reader, filter, scope);
    if (!range) return { interval, currencies: {} };
    assertBucketLimit(range.from, range.to, interval, window.timeZone);
    const figure = (currency: string, payments: number, minor: number): VolumeFigure => ({
      payments,
      volume: moneyText(minor, currency),
      volumeMinor: minor,
    });
    const currencies: [string, PaymentVolume['currencies'][string]][] = [];
    for (const c of await this.reader.paymentVolume(range, scope, interval, window.timeZone)) {
      const series = new Map<string, { count: number; sumMinor: number }>();
      for (const b of c.buckets) {
        const key = bucketKey(b.start, interval, window.timeZone);
        const prev = series.get(key) ?? { count: 0, sumMinor: 0 };
        series.set(key, { count: prev.count + b.count, sumMinor: prev.sumMinor + b.sumMinor });
      }
      currencies.push([
        c.currency,
        {
          ...figure(c.currency, c.count, c.sumMinor),
          series: Object.fromEntries([...series].map(([key, s]) => [key, figure(c.currency, s.count, s.sumMinor)])),
        },
      ]);
    }
    // Keys come from the data: Object.fromEntries defines them as own properties, whatever they are.
    return { interval, currencies: Object.fromEntries(currencies) };
  }
}
