import type { EventStore, StoredEvent } from '@gyroscops/event-store';

/**
 * Events of the global log by position, kept in memory (most recently read last, the oldest dropped past `size`):
 * the runners remember what they read, fetches hand those events out without reading the log again.
 */
export class LogEventCache {
  private readonly events = new Map<number, StoredEvent>();

  constructor(
    private readonly store: EventStore,
    private readonly size: number,
  ) {}

  /**
   * Events by position: from memory, else from the log (a span of up to 512 positions per read). A position the log
   * read went past without returning it is `gone`: it left the log since (its stream hard-deleted, its telemetry
   * retention expired, scavenged).
   */
  async load(positions: number[]): Promise<{ events: Map<number, StoredEvent>; gone: number[] }> {
    const out = new Map<number, StoredEvent>();
    const gone = new Set<number>();
    const missing: number[] = [];
    for (const p of positions) {
      const e = this.events.get(p);
      if (e) out.set(p, e);
      else missing.push(p);
    }
    missing.sort((a, b) => a - b);
    while (missing.length > 0) {
      const first = missing[0];
      const span = missing.filter((p) => p < first + 512);
      const last = span[span.length - 1];
      const slice = await this.store.readAll({ after: first - 1, maxCount: last - first + 1 });
      this.remember(slice.events);
      for (const e of slice.events) if (span.includes(e.position)) out.set(e.position, e);
      // Every position up to the slice's checkpoint is resolved: one it did not return is not in the log any more.
      for (const p of span) if (!out.has(p) && p <= slice.checkpoint) gone.add(p);
      const left = missing.filter((p) => !out.has(p) && !gone.has(p));
      if (left.length === missing.length) throw new Error(`event at position ${first} could not be read from the log`);
      missing.splice(0, missing.length, ...left);
    }
    return { events: out, gone: [...gone] };
  }

  remember(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.events.delete(e.position);
      this.events.set(e.position, e);
    }
    while (this.events.size > this.size) this.events.delete(this.events.keys().next().value as number);
  }
}
