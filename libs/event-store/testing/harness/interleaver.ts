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
