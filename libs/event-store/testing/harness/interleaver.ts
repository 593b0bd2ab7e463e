import type { Scheduler } from 'fast-check';
import { Prng } from './prng';

/** Decides when each step of a request (sent, answered, one bulk item) may proceed. */
export interface Interleaver {
  gate(label: string): Promise<void>;
}

/** An interleaver whose pending steps a simulation releases one at a time (in-process runs). */
export interface SteppedInterleaver extends Interleaver {
  pending(): number;
  releaseOne(): Promise<void>;
}

/** Releases pending steps in an order drawn from a seed. */
export class SeededInterleaver implements SteppedInterleaver {
  private readonly waiting: { label: string; go: () => void }[] = [];
  private readonly prng: Prng;
  readonly trace: string[] = [];

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  gate(label: string): Promise<void> {
    return new Promise((go) => this.waiting.push({ label, go }));
  }

  pending(): number {
    return this.waiting.length;
  }

  async releaseOne(): Promise<void> {
    const [step] = this.waiting.splice(this.prng.int(0, this.waiting.length - 1), 1);
    if (this.trace.length < 5000) this.trace.push(step.label);
    step.go();
  }
}

/**
 * Probabilistic concurrency testing (Burckhardt et al., PCT): each actor (the first word of a step's label: an
 * instance, the model) gets a random priority; the pending step of the highest-priority actor always goes first, and
 * at `depth - 1` random points the actor then running drops to the lowest priority. Orderings that need one actor to
 * be overtaken several times in a row, which a uniform choice makes rare, come up with a fair probability.
 */
export class PctInterleaver implements SteppedInterleaver {
  private readonly waiting: { label: string; actor: string; go: () => void }[] = [];
  private readonly priority = new Map<string, number>();
  private readonly changePoints: Set<number>;
  private readonly prng: Prng;
  private step = 0;
  private lowest = 0;

  constructor(seed: number, depth: number, expectedSteps = 400) {
    this.prng = new Prng(seed);
    this.changePoints = new Set(Array.from({ length: Math.max(0, depth - 1) }, () => this.prng.int(1, expectedSteps)));
  }

  gate(label: string): Promise<void> {
    const actor = label.split(' ')[0];
    if (!this.priority.has(actor)) this.priority.set(actor, 1 + this.prng.next());
    return new Promise((go) => this.waiting.push({ label, actor, go }));
  }

  pending(): number {
    return this.waiting.length;
  }

  async releaseOne(): Promise<void> {
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      if ((this.priority.get(this.waiting[i].actor) ?? 0) > (this.priority.get(this.waiting[best].actor) ?? 0)) best = i;
    }
    const [step] = this.waiting.splice(best, 1);
    if (this.changePoints.has(++this.step)) this.priority.set(step.actor, --this.lowest);
    step.go();
  }
}

/** fast-check's scheduler as the interleaver: its choices are part of the property's seed and of its report. */
export class FastCheckInterleaver implements SteppedInterleaver {
  constructor(private readonly s: Scheduler) {}

  gate(label: string): Promise<void> {
    return this.s.schedule(Promise.resolve(), label);
  }

  pending(): number {
    return this.s.count();
  }

  releaseOne(): Promise<void> {
    return this.s.waitNext(1);
  }
}

/** Real time (real Elasticsearch): a seeded random delay on some steps, so concurrent requests overtake each other. */
export class DelayingInterleaver implements Interleaver {
  private readonly prng: Prng;

  constructor(
    seed: number,
    private readonly maxDelayMs: number,
    private readonly delayChance = 0.3,
  ) {
    this.prng = new Prng(seed);
  }

  gate(): Promise<void> {
    if (!this.prng.chance(this.delayChance)) return Promise.resolve();
    const ms = this.prng.int(1, this.maxDelayMs);
    return new Promise((r) => setTimeout(r, ms));
  }
}
