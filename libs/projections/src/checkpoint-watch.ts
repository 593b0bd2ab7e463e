import type { ConsumerStateDoc } from './consumer-state';
import { stateDocId } from './consumer-state';
import { ChangeWaiters } from './change-waiters';
import type { StateStore } from './state-store';

/**
 * The highest checkpoint this instance has seen per projection (from its own runners, status reads and polls of
 * the state document), and the callers waiting for one to pass a position.
 */
export class CheckpointWatch {
  private readonly checkpoints = new Map<string, number>();
  private readonly waiters = new ChangeWaiters();
  private readonly statePolls = new Map<string, Promise<ConsumerStateDoc | null>>();

  constructor(private readonly states: StateStore) {}

  seen(name: string): number | undefined {
    return this.checkpoints.get(name);
  }

  record(name: string, checkpoint: number): void {
    if (checkpoint <= (this.checkpoints.get(name) ?? -1)) return;
    this.checkpoints.set(name, checkpoint);
    this.waiters.wake(name);
  }

  /** Resolves when the projection's checkpoint moves here, or after `ms`. */
  changed(name: string, ms: number): Promise<void> {
    return this.waiters.changed(name, ms);
  }

  /** One state read at a time per projection, shared by every waiter. */
  poll(name: string): Promise<ConsumerStateDoc | null> {
    let poll = this.statePolls.get(name);
    if (!poll) {
      poll = this.states
        .get(stateDocId('projection', name))
        .then((s) => s?.doc ?? null)
        // Unknown for now (index being created, Elasticsearch busy): the next poll will tell.
        .catch(() => null)
        .finally(() => this.statePolls.delete(name));
      this.statePolls.set(name, poll);
    }
    return poll;
  }
}
