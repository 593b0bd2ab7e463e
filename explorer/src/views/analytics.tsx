import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { EventFilterDto, IntervalDto, PaymentVolumeDto, TimeWindowDto } from '../../../src/modules/analytics/analytics.dto';
import type { QueryOf, QueryValue } from '../api';
import { BarList, Chart, color } from '../components/chart';
import { formatDuration, formatNumber, formatRatio } from '../format';
import { useLoad } from '../hooks';
import { href, navigate, type Route } from '../router';
import { useSession } from '../session';
import { useQueryEnum } from './openapi-paths';
import type { BillingTotals, EventStatistics, EventTrends, PaymentVolume, RefundRatio, WorkflowStepFigures } from '../types';

/** The analytics filters, named as the API's query DTOs name them. */
type Filters = Partial<Record<keyof Pick<IntervalDto, 'from' | 'to' | 'interval' | 'timeZone' | 'eventType' | 'aggregateType'>, string>>;
const KEYS = ['from', 'to', 'interval', 'timeZone', 'eventType', 'aggregateType'] as const;
const INTERVALS = ['hour', 'day', 'week', 'month'];
/** Before the OpenAPI document tells the zones the API accepts: the browser's own list. */
const BROWSER_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

export function AnalyticsView({ route }: { route: Route }) {
  const f: Filters = {};
  for (const k of KEYS) {
    const v = route.params.get(k);
    if (v) f[k] = v;
  }
  const interval = f.interval ?? 'day';
  const timeZone = f.timeZone ?? 'UTC';
  const range = { from: f.from, to: f.to, timeZone };
  const events = { ...range, eventType: f.eventType, aggregateType: f.aggregateType };
  const key = JSON.stringify(f);

  return (
    <section aria-labelledby="an-title">
      <h1 id="an-title">Analytics</h1>
      <AnalyticsForm initial={f} />
      <p class="muted">Buckets and dates are in {timeZone}; from/to are inclusive dates. Every figure is the API’s own, as it answered.</p>
      <div class="panels">
        <TrendsPanel params={{ ...events, interval }} k={key} />
        <StatisticsPanel params={events} k={key} />
        <PaymentVolumePanel params={{ ...range, interval }} k={key} />
        <RefundRatioPanel params={range} k={key} />
        <BillingTotalsPanel params={range} k={key} />
        <WorkflowStepsPanel params={range} k={key} />
      </div>
    </section>
  );
}

function AnalyticsForm({ initial }: { initial: Filters }) {
  const [f, setF] = useState(initial);
  const zones = useQueryEnum('/v1/analytics/events/trends', 'timeZone') ?? BROWSER_ZONES;
  const intervals = useQueryEnum('/v1/analytics/events/trends', 'interval') ?? INTERVALS;
  useEffect(() => setF(initial), [JSON.stringify(initial)]);
  const set = (k: keyof Filters) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setF({ ...f, [k]: e.currentTarget.value });
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(href('analytics', [], f));
      }}
    >
      <div class="field">
        <label for="a-from">From (date)</label>
        <input id="a-from" type="date" value={f.from ?? ''} onInput={set('from')} />
      </div>
      <div class="field">
        <label for="a-to">To (date)</label>
        <input id="a-to" type="date" value={f.to ?? ''} onInput={set('to')} />
      </div>
      <div class="field">
        <label for="a-interval">Interval</label>
        <select id="a-interval" value={f.interval ?? 'day'} onChange={set('interval')}>
          {intervals.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="a-tz">Time zone</label>
        <select id="a-tz" value={f.timeZone ?? 'UTC'} onChange={set('timeZone')}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="a-type">Event type</label>
        <input id="a-type" value={f.eventType ?? ''} onInput={set('eventType')} placeholder="all" />
      </div>
      <div class="field">
        <label for="a-agg">Aggregate type</label>
        <input id="a-agg" value={f.aggregateType ?? ''} onInput={set('aggregateType')} placeholder="all" />
      </div>
      <div class="actions">
        <button type="submit">Apply</button>
      </div>
    </form>
  );
}

function usePanel<T>(path: string, params: Record<string, QueryValue>, k: string) {
  const { api } = useSession();
  return useLoad((signal) => api.get<T>(path, params, signal), [path, k]);
}

function Panel(props: { title: string; id: string; error?: string; loading: boolean; children: ComponentChildren }) {
  return (
    <article class="card panel" aria-labelledby={`p-${props.id}`} data-testid={`panel-${props.id}`} aria-busy={props.loading}>
      <h2 id={`p-${props.id}`}>{props.title}</h2>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : (
        props.children
      )}
    </article>
  );
}

function TrendsPanel({ params, k }: { params: QueryOf<IntervalDto>; k: string }) {
  const r = usePanel<EventTrends>('/v1/analytics/events/trends', params, k);
  const entries = Object.entries(r.data?.trends ?? {});
  return (
    <Panel title={`Events per ${params.interval}`} id="trends" error={r.error} loading={r.loading}>
      {r.data && (
        <Chart
          id="trends"
          title={`Events per ${r.data.interval} (${entries.reduce((s, [, v]) => s + v, 0).toLocaleString('en-US')} in all)`}
          labels={entries.map(([l]) => l)}
          series={[{ label: 'events', values: entries.map(([, v]) => v), color: color(0) }]}
        />
      )}
    </Panel>
  );
}

function StatisticsPanel({ params, k }: { params: QueryOf<EventFilterDto>; k: string }) {
  const r = usePanel<EventStatistics>('/v1/analytics/events/statistics', params, k);
  const top = (o: Record<string, number>) => Object.entries(o).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <Panel title="Events by organization and user" id="statistics" error={r.error} loading={r.loading}>
      {r.data && (
        <>
          <p>
            <strong data-testid="statistics-total">{r.data.total.toLocaleString('en-US')}</strong> events
          </p>
          <div class="two">
            <BarList id="by-organization" title="By organization" entries={top(r.data.byOrganization)} />
            <BarList id="by-user" title="By user" entries={top(r.data.byUser).slice(0, 15)} />
          </div>
        </>
      )}
    </Panel>
  );
}

function PaymentVolumePanel({ params, k }: { params: QueryOf<PaymentVolumeDto>; k: string }) {
  const r = usePanel<PaymentVolume>('/v1/analytics/payments/volume', params, k);
  const currencies = Object.entries(r.data?.currencies ?? {});
  const labels = currencies.length ? Object.keys(currencies[0][1].series) : [];
  return (
    <Panel title="Payment volume" id="payment-volume" error={r.error} loading={r.loading}>
      {r.data && currencies.length === 0 && <p class="muted">No payments in this range.</p>}
      {r.data && currencies.length > 0 && (
        <>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Payments</th>
                <th scope="col">Volume</th>
              </tr>
            </thead>
            <tbody>
              {currencies.map(([c, v]) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  <td class="num">{v.payments}</td>
                  <td class="num mono">{v.volume ?? `${v.volumeMinor} (minor units)`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Chart
            id="payment-volume"
            title={`Volume per ${r.data.interval} (minor units)`}
            labels={labels}
            series={currencies.map(([c, v], i) => ({
              label: c,
              values: labels.map((l) => v.series[l]?.volumeMinor ?? 0),
              color: color(i),
            }))}
          />
        </>
      )}
    </Panel>
  );
}

function RefundRatioPanel({ params, k }: { params: QueryOf<TimeWindowDto>; k: string }) {
  const r = usePanel<RefundRatio>('/v1/analytics/payments/refund-ratio', params, k);
  const rows = Object.entries(r.data?.currencies ?? {});
  return (
    <Panel title="Refund ratio" id="refund-ratio" error={r.error} loading={r.loading}>
      {r.data && rows.length === 0 && <p class="muted">No payments in this range.</p>}
      {rows.length > 0 && (
        <>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Paid</th>
                <th scope="col">Refunded</th>
                <th scope="col">Ratio</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([c, v]) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  <td class="num mono">
                    {v.paid ?? v.paidMinor} ({v.payments})
                  </td>
                  <td class="num mono">
                    {v.refunded ?? v.refundedMinor} ({v.refunds})
                  </td>
                  <td class="num">{formatRatio(v.ratio)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <BarList
            id="refund-ratio"
            title="Refunded share of paid"
            entries={rows.map(([c, v]) => [c, v.ratio ?? 0])}
            format={formatRatio}
          />
        </>
      )}
    </Panel>
  );
}

function BillingTotalsPanel({ params, k }: { params: QueryOf<TimeWindowDto>; k: string }) {
  const r = usePanel<BillingTotals>('/v1/analytics/billing/totals', params, k);
  const rows = Object.entries(r.data?.organizations ?? {}).flatMap(([org, periods]) =>
    Object.entries(periods).flatMap(([period, currencies]) =>
      Object.entries(currencies).map(([currency, t]) => ({ org, period, currency, t })),
    ),
  );
  rows.sort((a, b) => a.org.localeCompare(b.org) || a.period.localeCompare(b.period) || a.currency.localeCompare(b.currency));
  const money = (a: { amount: string | null; amountMinor: number }) => a.amount ?? `${a.amountMinor} minor`;
  return (
    <Panel title="Billing totals" id="billing-totals" error={r.error} loading={r.loading}>
      {r.data && rows.length === 0 && <p class="muted">No invoices in this range.</p>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table class="data" data-testid="billing-table">
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Period</th>
                <th scope="col">Currency</th>
                <th scope="col">Issued</th>
                <th scope="col">Voided</th>
                <th scope="col">Net</th>
                <th scope="col">Paid</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(({ org, period, currency, t }) => (
                <tr key={`${org}/${period}/${currency}`}>
                  <th scope="row">{org}</th>
                  <td>{period}</td>
                  <td>{currency}</td>
                  <td class="num mono">
                    {money(t.issued)} ({t.issued.invoices})
                  </td>
                  <td class="num mono">
                    {money(t.voided)} ({t.voided.invoices})
                  </td>
                  <td class="num mono">{money(t.net)}</td>
                  <td class="num mono">
                    {money(t.paid)} ({t.paid.payments})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function WorkflowStepsPanel({ params, k }: { params: QueryOf<TimeWindowDto>; k: string }) {
  const r = usePanel<WorkflowStepFigures>('/v1/analytics/workflows/steps', params, k);
  const kinds = Object.entries(r.data?.stepKinds ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <Panel title="Workflow steps" id="workflow-steps" error={r.error} loading={r.loading}>
      {r.data && kinds.length === 0 && <p class="muted">No workflow step ended in this range.</p>}
      {r.data && kinds.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Step kind</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Failure rate</th>
                  <th scope="col">Avg</th>
                  <th scope="col">p50</th>
                  <th scope="col">p95</th>
                </tr>
              </thead>
              <tbody>
                {kinds.map(([kind, s]) => (
                  <tr key={kind}>
                    <th scope="row">{kind}</th>
                    <td class="num">{s.steps}</td>
                    <td class="num">{s.failed}</td>
                    <td class="num">{formatRatio(s.failureRate)}</td>
                    <td class="num">{formatDuration(s.durationMs.avg)}</td>
                    <td class="num">{formatDuration(s.durationMs.p50)}</td>
                    <td class="num">{formatDuration(s.durationMs.p95)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="two">
            <BarList
              id="failure-rate"
              title="Failure rate by step kind"
              entries={kinds.map(([kind, s]) => [kind, s.failureRate ?? 0])}
              format={formatRatio}
            />
            <BarList
              id="step-p50"
              title="Median duration by step kind"
              entries={kinds.map(([kind, s]) => [kind, s.durationMs.p50 ?? 0])}
              format={formatDuration}
            />
          </div>
          <p class="muted">
            Completed workflows: {formatNumber(r.data.workflows.completed)} · duration p50 {formatDuration(r.data.workflows.durationMs.p50)}
            , p95 {formatDuration(r.data.workflows.durationMs.p95)}
          </p>
        </>
      )}
    </Panel>
  );
}
