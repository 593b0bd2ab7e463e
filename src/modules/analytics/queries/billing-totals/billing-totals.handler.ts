import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { moneyText } from '../../domain/figures';
import { parseWindow } from '../../domain/time-buckets';
import { BillingTotalsQuery, type BillingTotals, type PeriodTotals } from './billing-totals.query';

/** Invoice totals per organization and billing month, exact sums of minor units per currency. */
@QueryHandler(BillingTotalsQuery)
export class BillingTotalsHandler implements IQueryHandler<BillingTotalsQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: BillingTotalsQuery): Promise<BillingTotals> {
    const window = parseWindow(params);
    if (window.empty) return { organizations: {} };
    // Maps, then own properties: keys come from the data, whatever they are.
    const organizations = new Map<string, Map<string, Map<string, PeriodTotals>>>();
    for (const f of await this.reader.billingTotals({ from: window.from, to: window.to }, readScopeOf())) {
      const money = (minor: number) => ({ amount: moneyText(minor, f.currency), amountMinor: minor });
      const periods = organizations.get(f.organizationId) ?? new Map<string, Map<string, PeriodTotals>>();
      organizations.set(f.organizationId, periods);
      const currencies = periods.get(f.period) ?? new Map<string, PeriodTotals>();
      periods.set(f.period, currencies);
      currencies.set(f.currency, {
        issued: { invoices: f.issued.count, ...money(f.issued.sumMinor) },
        voided: { invoices: f.voided.count, ...money(f.voided.sumMinor) },
        net: money(f.issued.sumMinor - f.voided.sumMinor),
        paid: { payments: f.paid.count, ...money(f.paid.sumMinor) },
      });
    }
    const record = <V, R>(m: Map<string, V>, f: (v: V) => R): Record<string, R> => Object.fromEntries([...m].map(([k, v]) => [k, f(v)]));
    return { organizations: record(organizations, (periods) => record(periods, (currencies) => record(currencies, (t) => t))) };
  }
}
