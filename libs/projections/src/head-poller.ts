import type { EventStore } from '@gyroscops/event-store';
import type { ConsumerRunner } from './consumer-runner';
import { messageOf } from './es-support';
import type { ProjectionLogger } from './runner-env';

/**
 * One head read per poll interval wakes every runner of this instance that holds its lease and is behind the head:
 * appends made by other instances reach this one's runners without a wake-up from the bus.
 */
export class HeadPoller {
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly store: EventStore,
    private readonly runners: () => Iterable<ConsumerRunner>,
    private readonly logger: ProjectionLogger,
    /** Before "head poll failed" in the log. */
    private readonly logPrefix: string,
  ) {}

  get started(): boolean {
    return this.timer !== null;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    const active = [...this.runners()].filter((r) => r.isActive());
    if (active.length === 0) return;
    this.polling = true;
    try {
      const head = await this.store.headPosition();
      for (const r of active) {
        const cursor = r.cursor();
        if (cursor !== null && cursor < head) r.wake();
      }
    } catch (e) {
      this.logger.warn(`${this.logPrefix}head poll failed: ${messageOf(e)}`);
    } finally {
      this.polling = false;
    }
  }
}
