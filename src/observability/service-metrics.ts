import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppendOutcome, RetryReason, StoreObserver, StoreStep } from '@gyroscops/event-store';

/** What a scrape asks of the projections engine: one row per projection, saga or consumer group. */
export interface ConsumerStatusRow {
  name: string;
  kind: string;
  position: number;
  headPosition: number;
  lag: number;
  state: string;
  eventsPerSecond: number;
  parkedCount?: number;
}

export const CONSUMER_STATES = ['running', 'rebuilding', 'failed', 'stopped'] as const;

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 5000];

/**
 * Every Prometheus series the service exports, in one registry per application (several apps in one process, as in
 * tests, never share counters). Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'gyroscops_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, with their latency (its _count is the request count)',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commands = new Histogram({
    name: 'gyroscops_command_duration_seconds',
    help: 'Commands run through the command bus, by command and outcome (ok or the error code)',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly appends = new Counter({
    name: 'gyroscops_event_store_appends_total',
    help: 'Appends that left the event store, by outcome (acknowledged, wrong-expected-version, unavailable, outcome-unknown, ...)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly appendedEvents = new Counter({
    name: 'gyroscops_event_store_events_appended_total',
    help: 'Events in acknowledged appends',
    registers: [this.registry],
  });

  readonly appendDuration = new Histogram({
    name: 'gyroscops_event_store_append_duration_seconds',
    help: 'Time from enqueue to outcome of an append (queueing and retries included), by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly batchAppends = new Histogram({
    name: 'gyroscops_event_store_batch_appends',
    help: 'Appends per group-commit batch',
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly batchEvents = new Histogram({
    name: 'gyroscops_event_store_batch_events',
    help: 'Events per group-commit batch',
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly roundTrips = new Histogram({
    name: 'gyroscops_event_store_round_trip_seconds',
    help: 'Round trips of the commit protocol and the log reader, by step and result (ok, error)',
    labelNames: ['step', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly conflicts = new Counter({
    name: 'gyroscops_event_store_conflicts_total',
    help: 'Compare-and-set conflicts: on the position counter, or on a stream lease or event-id reservation (lock)',
    labelNames: ['on'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'gyroscops_event_store_retries_total',
    help: 'Appends put back in the queue, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tombstones = new Counter({
    name: 'gyroscops_event_store_tombstones_total',
    help: 'Log positions fenced with a tombstone, by reason (gap_timeout: a reader fenced a writer that never committed)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly leaseTakeovers = new Counter({
    name: 'gyroscops_event_store_lease_takeovers_total',
    help: 'Stream leases settled by another writer, reader or the sweep: commit rolled forward, or position fenced',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly esRequests = new Counter({
    name: 'gyroscops_elasticsearch_requests_total',
    help: 'Requests the Elasticsearch client completed (after its own retries), by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly esErrors = new Counter({
    name: 'gyroscops_elasticsearch_client_errors_total',
    help: 'Elasticsearch client errors by type and HTTP status (409s are the store losing compare-and-sets, expected under contention)',
    labelNames: ['type', 'status_code'] as const,
    registers: [this.registry],
  });

  /** Set on scrape by the projections collector. */
  readonly consumerPosition = new Gauge({
    name: 'gyroscops_consumer_position',
    help: 'Checkpoint of a projection, saga or consumer group: every event up to it is handled',
    labelNames: ['kind', 'name'] as const,
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'gyroscops_consumer_lag_events',
    help: 'Events between the head of the global log and the checkpoint',
    labelNames: ['kind', 'name'] as const,
    registers: [this.registry],
  });

  readonly consumerState = new Gauge({
    name: 'gyroscops_consumer_state',
    help: '1 for the state a consumer is in (running, rebuilding, failed, stopped), 0 for the others',
    labelNames: ['kind', 'name', 'state'] as const,
    registers: [this.registry],
  });

  readonly consumerRate = new Gauge({
    name: 'gyroscops_consumer_events_per_second',
    help: 'Recent processing rate of a consumer, as its lease holder reports it',
    labelNames: ['kind', 'name'] as const,
    registers: [this.registry],
  });

  readonly consumerParked = new Gauge({
    name: 'gyroscops_consumer_parked_events',
    help: 'Events a saga parked after its handler kept failing',
    labelNames: ['kind', 'name'] as const,
    registers: [this.registry],
  });

  readonly logHead = new Gauge({
    name: 'gyroscops_log_head_position',
    help: 'Highest global position allocated (the head of the log)',
    registers: [this.registry],
  });

  readonly scrapeErrors = new Counter({
    name: 'gyroscops_metrics_collect_errors_total',
    help: 'Scrapes whose projection status could not be read (the consumer gauges keep their previous values)',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Process metrics (CPU, memory, event loop lag, GC) under their standard names.
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The store's observer: turns its calls into the series above. */
  storeObserver(): StoreObserver {
    return {
      appendSettled: (outcome: AppendOutcome, events: number, durationMs: number) => {
        this.appends.inc({ outcome });
        if (outcome === 'acknowledged') this.appendedEvents.inc(events);
        this.appendDuration.observe({ outcome }, durationMs / 1000);
      },
      batchStarted: (appends: number, events: number) => {
        this.batchAppends.observe(appends);
        this.batchEvents.observe(events);
      },
      roundTrip: (step: StoreStep, durationMs: number, ok: boolean) =>
        this.roundTrips.observe({ step, result: ok ? 'ok' : 'error' }, durationMs / 1000),
      conflict: (on) => this.conflicts.inc({ on }),
      retry: (reason: RetryReason) => this.retries.inc({ reason }),
      tombstones: (reason: string, ranges: number) => this.tombstones.inc({ reason: labelValue(reason) }, ranges),
      leaseTakeover: (outcome) => this.leaseTakeovers.inc({ outcome }),
    };
  }

  /** Records one scrape's view of the consumers (every label set is rewritten, so removed consumers disappear). */
  recordConsumers(rows: readonly ConsumerStatusRow[]): void {
    for (const gauge of [this.consumerPosition, this.consumerLag, this.consumerState, this.consumerRate, this.consumerParked])
      gauge.reset();
    let head = 0;
    for (const row of rows) {
      const labels = { kind: row.kind, name: row.name };
      this.consumerPosition.set(labels, row.position);
      this.consumerLag.set(labels, row.lag);
      this.consumerRate.set(labels, row.eventsPerSecond);
      for (const state of CONSUMER_STATES) this.consumerState.set({ ...labels, state }, row.state === state ? 1 : 0);
      if (row.parkedCount !== undefined) this.consumerParked.set(labels, row.parkedCount);
      head = Math.max(head, row.headPosition);
    }
    if (rows.length > 0) this.logHead.set(head);
  }
}

/** Bounded, Prometheus-friendly label values: `gap timeout` → `gap_timeout`. */
function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 64);
}
