import type { Prng } from './prng';

/** What goes wrong with one request a store instance sends to Elasticsearch. */
export type Fault =
  | { kind: 'none' }
  /** Refused before it reaches a shard: nothing applied. */
  | { kind: 'reject-before'; status: 429 | 503 }
  | { kind: 'connection-refused' }
  /** Applied, then the answer is lost: the client sees a timeout or a reset connection. */
  | { kind: 'lose-response'; as: 'timeout' | 'connection' }
  /** Applied, then answered with an error status (a proxy or coordinating node failing late). */
  | { kind: 'fail-after'; status: 429 | 503 }
  /** Applied twice, as a transport retry of a lost answer would: the caller sees the second answer. */
  | { kind: 'resend' }
  /** Held before reaching Elasticsearch or before its answer comes back: a paused writer (GC, slow network). */
  | { kind: 'stall'; ms: number; phase: 'before' | 'after' }
  /** Some items of a bulk are refused with 429 and not applied; the others apply. Other requests: no fault. */
  | { kind: 'bulk-item-429'; everyNth: number }
  /** The instance dies: this request (applied or not) and every later one never answer. */
  | { kind: 'kill'; phase: 'before' | 'after' };

export type FaultKind = Fault['kind'];

export interface FaultPlan {
  next(method: string): Fault;
}

const NONE: Fault = { kind: 'none' };

/** Faults listed in advance (fast-check generates and shrinks the list); past its end, none. */
export class ListedFaults implements FaultPlan {
  private i = 0;
  constructor(private readonly faults: readonly Fault[]) {}
  next(): Fault {
    return this.faults[this.i++] ?? NONE;
  }
}

export const noFaults: FaultPlan = { next: () => NONE };

export interface FaultRates {
  /** Probability that a request meets any fault. */
  rate: number;
  /** Longest stall; stalls longer than the lease turn a writer into a zombie. */
  maxStallMs: number;
  /** The request number at which the instance dies, if it does. */
  killAt?: number;
}

/** Faults drawn from a seeded generator at the given rate (real-Elasticsearch runs, and ad hoc use). */
export class RandomFaults implements FaultPlan {
  private n = 0;
  constructor(
    private readonly prng: Prng,
    private readonly rates: FaultRates,
  ) {}

  next(): Fault {
    this.n++;
    if (this.rates.killAt === this.n) return { kind: 'kill', phase: this.prng.chance(0.5) ? 'before' : 'after' };
    if (!this.prng.chance(this.rates.rate)) return NONE;
    return randomFault(this.prng, this.rates.maxStallMs);
  }
}

export function randomFault(prng: Prng, maxStallMs: number): Fault {
  switch (prng.int(0, 6)) {
    case 0:
      return { kind: 'reject-before', status: prng.chance(0.5) ? 429 : 503 };
    case 1:
      return { kind: 'connection-refused' };
    case 2:
      return { kind: 'lose-response', as: prng.chance(0.5) ? 'timeout' : 'connection' };
    case 3:
      return { kind: 'fail-after', status: prng.chance(0.5) ? 429 : 503 };
    case 4:
      return { kind: 'resend' };
    case 5:
      return { kind: 'stall', ms: prng.int(1, maxStallMs), phase: prng.chance(0.5) ? 'before' : 'after' };
    default:
      return { kind: 'bulk-item-429', everyNth: prng.int(1, 3) };
  }
}
