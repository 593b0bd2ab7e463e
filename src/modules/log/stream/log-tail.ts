import type { EventStore, StoredEvent } from '@gyroscops/event-store';

/** A live stream fed by the tail: it receives every batch the tail reads after it joined. */
export interface TailSubscriber {
  /** Events of (previous checkpoint, checkpoint], in position order, each with its JSON (serialised once per batch). */
  onBatch(batch: readonly TailEvent[], checkpoint: number): void;
}

export interface TailEvent {
  event: StoredEvent;
  json: string;
}

export interface TailOptions {
  /** Log events read per batch: at most half a client's buffer, so that one batch never fills it. */
  batchSize: number;
  pollMs: number;
  onError(message: string): void;
}

/**
 * One reader of the global log per process for every live stream: it follows the head from the checkpoint of the
 * first stream that joined and hands each batch to all of them, so N live clients cost one `readAll` per poll, not N.
 * It never waits for a client: a client that cannot keep up is the hub's concern (bounded buffer, then dropped).
 * It runs only while streams are joined.
 */
export class LogTail {
  /** Every position up to it has been handed to the subscribers; null while nobody is joined. */
  private position: number | null = null;
  private readonly subscribers = new Set<TailSubscriber>();
  private running = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly options: TailOptions,
  ) {}

  get cursor(): number | null {
    return this.position;
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Whether a stream that has read the log up to `checkpoint` may switch to the tail without a gap: the tail's next
   * batch starts at or before it (the stream skips what it already has), or the tail is idle and will start there.
   */
  canJoin(checkpoint: number): boolean {
    return this.position === null || this.position <= checkpoint;
  }

  /** Joins at `checkpoint`; call only when canJoin(checkpoint) is true, in the same tick. */
  join(subscriber: TailSubscriber, checkpoint: number): void {
    if (!this.canJoin(checkpoint)) throw new Error('the tail is past this checkpoint: catch up first');
    if (this.position === null) this.position = checkpoint;
    this.subscribers.add(subscriber);
    if (!this.running) void this.run();
  }

  leave(subscriber: TailSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.position = null;
  }

  /** Something was appended: read now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    let failures = 0;
    try {
      while (this.subscribers.size > 0 && this.position !== null) {
        const from = this.position;
        try {
          this.woken = false;
          const slice = await this.store.readAll({ after: from, maxCount: this.options.batchSize });
          failures = 0;
          // Everyone left, or left and someone joined again elsewhere, while this read was in flight.
          if (this.position !== from) continue;
          if (slice.checkpoint > from) {
            this.position = slice.checkpoint;
            const batch = slice.events.map((event) => ({ event, json: JSON.stringify(event) }));
            for (const s of [...this.subscribers]) s.onBatch(batch, slice.checkpoint);
            continue;
          }
        } catch (e) {
          failures++;
          this.options.onError(e instanceof Error ? e.message : String(e));
          await this.idle(Math.min(5000, this.options.pollMs * 2 ** failures));
          continue;
        }
        await this.idle(this.options.pollMs);
      }
    } finally {
      this.running = false;
      // Someone joined between the loop's last check and here.
      if (this.subscribers.size > 0) void this.run();
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}
