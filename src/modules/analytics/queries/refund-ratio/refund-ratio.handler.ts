import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { moneyText, ratio } from '../../domain/figures';
import { parseWindow } from '../../domain/time-buckets';
import { RefundRatioQuery, type RefundRatio } from './refund-ratio.query';

/** Refunded over paid amounts per currency, from exact sums of minor units. */
@QueryHandler(RefundRatioQuery)
export class RefundRatioHandler implements IQueryHandler<RefundRatioQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: RefundRatioQuery): Promise<RefundRatio> {
    const window = parseWindow(params);
    if (window.empty) return { currencies: {} };
    const figures = await this.reader.refunds({ from: window.from, to: window.to }, readScopeOf());
    const currencies = figures.map((f): [string, RefundRatio['currencies'][string]] => [
      f.currency,
      {
        payments: f.processed.count,
        paid: moneyText(f.processed.sumMinor, f.currency),
        paidMinor: f.processed.sumMinor,
        refunds: f.refunded.count,
        refunded: moneyText(f.refunded.sumMinor, f.currency),
        refundedMinor: f.refunded.sumMinor,
        ratio: ratio(f.refunded.sumMinor, f.processed.sumMinor),
      },
    ]);
    return { currencies: Object.fromEntries(currencies) };
  }
}
