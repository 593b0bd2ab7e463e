import type { SteppedInterleaver } from './interleaver';
import type { Prng } from './prng';
import type { VirtualClock } from './virtual-clock';

export class SimulationError extends Error {}

/** Real setImmediate, captured before anything can replace timers: lets every queued microtask run. */
const realSetImmediate = setImmediate;
const settleMicrotasks = () => new Promise<void>((r) => realSetImmediate(r));

/**
 * Runs an in-process scenario to its end: lets microtasks settle, then releases one pending step chosen by the
 * interleaver, or, when no step is pending (and now and then even when some are: a slow request), advances the
 * virtual clock to its next timer. Nothing left to release and no timer while the scenario has not finished
 * means it waits for something that can never happen: a deadlock, reported as such.
 */
export class Simulation {
  steps = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly interleaver: SteppedInterleaver,
    private readonly prng: Prng,
    private readonly timerBias = 0.05,
    private readonly maxSteps = 2_000_000,
  ) {}

  async run<T>(scenario: () => Promise<T>): Promise<T> {
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
    scenario().then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    for (;;) {
      await settleMicrotasks();
      if (outcome) break;
      if (++this.steps > this.maxSteps) throw new SimulationError(`no end after ${this.maxSteps} steps (livelock?)`);
      const timerFirst = this.clock.pendingTimers() > 0 && this.prng.chance(this.timerBias);
      if (this.interleaver.pending() > 0 && !timerFirst) await this.interleaver.releaseOne();
      else if (!this.clock.fireNext()) throw new SimulationError('deadlock: the scenario waits for something that can never happen');
    }
    const done = outcome as { ok: true; value: T } | { ok: false; error: unknown };
    if (!done.ok) throw done.error;
    return done.value;
  }
}
