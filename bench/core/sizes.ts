import type { Scale } from './types';

/** How much work each scenario does per scale. Quick stays under 3 minutes on a 2-core machine; smoke only checks wiring. */
export interface Sizes {
  batched: { rounds: number; appends: number; eventsPerAppend: number; clients: number };
  single: { rounds: number; appends: number; clients: number };
  /** Contention runs for a fixed time per side and round: a slow side would otherwise take minutes. */
  hot: { rounds: number; seconds: number; clients: number };
  load: { events: number; iterations: number; snapshotTail: number };
  /** `rawLoad`: also bulk-load the same documents into the raw index, to compare load rates (full runs). */
  search: { events: number; chunkEvents: number; appendConcurrency: number; rawBulkDocs: number; rawLoad: boolean; iterations: number };
  scan: { pageSize: number };
  /**
   * Scenario 8: streams of `eventsPerStream` events, appended by `clients` concurrent writers. `settle`: wait for the
   * retention leases to pass the last write before force-merging (smoke runs skip the wait: they only check wiring).
   */
  storage: { streams: number; eventsPerStream: number; clients: number; settle: boolean };
}

export const SIZES: Record<Scale, Sizes> = {
  smoke: {
    batched: { rounds: 1, appends: 4, eventsPerAppend: 10, clients: 8 },
    single: { rounds: 1, appends: 16, clients: 32 },
    hot: { rounds: 1, seconds: 0.5, clients: 8 },
    load: { events: 30, iterations: 3, snapshotTail: 5 },
    search: { events: 400, chunkEvents: 200, appendConcurrency: 8, rawBulkDocs: 100, rawLoad: true, iterations: 6 },
    scan: { pageSize: 100 },
    storage: { streams: 8, eventsPerStream: 20, clients: 8, settle: false },
  },
  quick: {
    batched: { rounds: 2, appends: 32, eventsPerAppend: 100, clients: 8 },
    single: { rounds: 2, appends: 384, clients: 32 },
    hot: { rounds: 1, seconds: 2.5, clients: 8 },
    load: { events: 1000, iterations: 12, snapshotTail: 10 },
    search: { events: 30_000, chunkEvents: 10_000, appendConcurrency: 64, rawBulkDocs: 1000, rawLoad: false, iterations: 150 },
    scan: { pageSize: 1000 },
    storage: { streams: 400, eventsPerStream: 50, clients: 64, settle: true },
  },
  full: {
    batched: { rounds: 3, appends: 250, eventsPerAppend: 100, clients: 8 },
    single: { rounds: 3, appends: 3000, clients: 32 },
    hot: { rounds: 3, seconds: 8, clients: 8 },
    load: { events: 1000, iterations: 100, snapshotTail: 10 },
    search: { events: 1_000_000, chunkEvents: 25_000, appendConcurrency: 64, rawBulkDocs: 1000, rawLoad: true, iterations: 1000 },
    scan: { pageSize: 1000 },
    storage: { streams: 2000, eventsPerStream: 50, clients: 64, settle: true },
  },
};
