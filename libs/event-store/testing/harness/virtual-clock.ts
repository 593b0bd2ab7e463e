import { Prng } from './prng';

interface Timer {
  id: number;
  at: number;
  seq: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  every: number | null;
}

/** What the store gets back from setTimeout/setInterval: enough of Node's Timeout for unref()/clear. */
class VirtualTimeout {
  constructor(readonly id: number) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** `Date` whose now (`Date.now()`, `new Date()`) is the virtual time; every other use behaves as the real one. */
function virtualDate(RealDate: DateConstructor, now: () => number): DateConstructor {
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static now(): number {
      return now();
    }
  }
  // Called without `new`, Date gives the current time as a string: keep that too.
  return new Proxy(VirtualDate, { apply: () => new RealDate(now()).toString() }) as DateConstructor;
}

/**
 * Virtual time for in-process runs: timers fire only when the simulation has nothing else to do, in time order,
 * and Date.now() and new Date() answer the virtual time. Leases and gap timeouts then expire in microseconds of real time, and a
 * seed replays exactly (Math.random is seeded too, so the store's retry jitter is part of the seed).
 */
export class VirtualClock {
  private current = 1_800_000_000_000;
  private seq = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.current;
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Fires the earliest timer (advancing time to it); false when no timer is pending. */
  fireNext(): boolean {
    let first: Timer | undefined;
    for (const t of this.timers.values()) if (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq)) first = t;
    if (!first) return false;
    this.current = Math.max(this.current, first.at);
    if (first.every === null) this.timers.delete(first.id);
    else {
      first.at = this.current + first.every;
      first.seq = this.seq++;
    }
    first.fn(...first.args);
    return true;
  }

  setTimer(fn: (...args: unknown[]) => void, ms: number | undefined, args: unknown[], every: boolean): VirtualTimeout {
    const delay = Math.max(1, Math.floor(ms ?? 0));
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.current + delay, seq: this.seq++, fn, args, every: every ? delay : null });
    return new VirtualTimeout(id);
  }

  clearTimer(handle: unknown): void {
    if (handle instanceof VirtualTimeout) this.timers.delete(handle.id);
    else if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** A virtual sleep (for the harness itself, e.g. waiting out leases). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(() => resolve(), ms, [], false));
  }

  /**
   * Replaces the global timers, Date and Math.random until the returned function is called. Only for
   * in-process runs: nothing may do real I/O meanwhile (setImmediate stays real: the simulation uses it to let
   * microtasks settle).
   */
  install(seed: number): () => void {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = {
      setTimeout: g.setTimeout,
      clearTimeout: g.clearTimeout,
      setInterval: g.setInterval,
      clearInterval: g.clearInterval,
      Date: g.Date,
      random: Math.random,
    };
    const random = new Prng(seed);
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => this.setTimer(fn, ms, args, false);
    g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => this.setTimer(fn, ms, args, true);
    g.clearTimeout = (h: unknown) => this.clearTimer(h);
    g.clearInterval = (h: unknown) => this.clearTimer(h);
    g.Date = virtualDate(saved.Date as DateConstructor, () => this.current);
    Math.random = () => random.next();
    return () => {
      g.setTimeout = saved.setTimeout;
      g.clearTimeout = saved.clearTimeout;
      g.setInterval = saved.setInterval;
      g.clearInterval = saved.clearInterval;
      g.Date = saved.Date;
      Math.random = saved.random;
    };
  }
}
