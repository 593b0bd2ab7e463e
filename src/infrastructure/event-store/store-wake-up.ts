import { Injectable } from '@nestjs/common';

type Listener = (position: number) => void;

/**
 * In-process signal that something was appended, so durable consumers of the global log (projections, sagas)
 * poll now instead of at their next tick. Losing a signal loses nothing: consumers also poll.
 */
@Injectable()
export class StoreWakeUp {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  appended(position: number): void {
    for (const l of this.listeners) l(position);
  }
}
