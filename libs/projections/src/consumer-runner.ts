import { LeaseLostError } from './projection.errors';
import { Lease } from './lease';
import type { ConsumerKind, ConsumerStateDoc } from './consumer-state';
import { stateDocId } from './consumer-state';
import { isTransient, messageOf } from './es-support';
import { RateMeter } from './rate-meter';
import type { RunnerEnv } from './runner-env';
import { backoffMs } from './timings';

/** Thrown inside a step when the runner is asked to stop: unwinds without recording anything. */
export class RunnerStoppedError extends Error {
  constructor() {
    super('runner stopping');
    this.name = 'RunnerStoppedError';
  }
}

/**
 * The durable-consumption loop shared by projections and sagas: take the lease (or wait for it), then
 * repeat `step()` while holding it, renewing it in the background; sleep until woken or polled when idle.
 */
export abstract class ConsumerRunner {
  readonly lease: Lease;
  protected stopping = false;
  private loopDone: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private renewing = false;
  private refusedLogged = false;
  private refreshWanted = false;
  private reconciled = false;

  protected constructor(
    protected readonly env: RunnerEnv,
    readonly kind: ConsumerKind,
    readonly name: string,
  ) {
    this.lease = new Lease(env.states, stateDocId(kind, name), env.owner, env.timings, () => this.initialState());
  }

  protected abstract initialState(): Promise<ConsumerStateDoc>;
  /** False when this runner must not take the lease (e.g. the document belongs to a newer version). */
  protected abstract mayTake(doc: ConsumerStateDoc): boolean;
  /** One unit of work; false when there was nothing to do. */
  protected abstract step(): Promise<boolean>;
  /** Lowest log position this runner still has to read, for the engine's head poller. */
  abstract cursor(): number | null;

  /** Events handled per second, written with every lease renewal. */
  protected readonly meter = new RateMeter();

  /** Adjusts the document in the write that takes the lease (as it is, by default). */
  protected onTake(doc: ConsumerStateDoc): ConsumerStateDoc {
    return doc;
  }

  /** Runs once after taking the lease, before the first step (nothing, by default). */
  protected async onAcquired(): Promise<void> {}

  /** Refreshes fields written with every lease renewal (the throughput, by default). */
  protected onRenew(doc: ConsumerStateDoc): ConsumerStateDoc {
    return { ...doc, eventsPerSecond: this.meter.rate() };
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  isActive(): boolean {
    return this.lease.isHeld();
  }

  /** The state document as this holder last wrote it, or null when it does not hold the lease. */
  stateDoc(): ConsumerStateDoc | null {
    return this.lease.isHeld() ? this.lease.doc : null;
  }

  /** Work to do (new events): ends an idle pause at once. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Someone changed the state document (a rebuild request): re-read it before the next step. */
  poke(): void {
    this.refreshWanted = true;
    this.wake();
  }

  /** Stops after the current step and releases the lease, so another instance takes over at once. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    if (this.loopDone) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.loopDone, new Promise<void>((r) => (timer = setTimeout(r, this.env.timings.leaseMs)))]);
      clearTimeout(timer);
    }
    this.stopRenewal();
    if (this.lease.isHeld()) await this.lease.release((d) => this.onRenew(d));
  }

  /** Stops dead, writing nothing more, lease left to expire: what a crash looks like to other instances. */
  kill(): void {
    this.stopping = true;
    this.lease.abandon();
    this.stopRenewal();
    this.wake();
  }

  /** Throws unless this runner may still write: not stopping, lease held. */
  protected assertActive(): void {
    if (this.stopping) throw new RunnerStoppedError();
    if (!this.lease.isHeld()) throw new LeaseLostError(this.lease.id);
  }

  /** Sleeps `ms`, cut short by stop() and, when `wakeable`, by wake(). */
  protected pause(ms: number, wakeable = false): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        if (wakeable) this.woken = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = () => {
        if (wakeable || this.stopping) finish();
      };
    });
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!this.lease.isHeld()) {
          this.stopRenewal();
          this.lease.drop();
          await this.env.states.ensureIndex();
          const taken = await this.lease.tryAcquire(
            (d) => this.mayTakeLogged(d),
            (d) => this.onTake(d),
          );
          if (!taken) {
            await this.pause(this.env.timings.acquireIntervalMs);
            continue;
          }
          this.env.logger.log(
            `${this.kind} ${this.name}: lease taken by ${this.env.owner} (epoch ${this.lease.doc.epoch}) at position ${this.lease.doc.checkpoint}`,
          );
          this.startRenewal();
          this.reconciled = false;
        }
        if (!this.reconciled) {
          // Retried until it succeeds: no step runs on indices that may not be in place.
          await this.onAcquired();
          this.reconciled = true;
        }
        if (this.refreshWanted) {
          this.refreshWanted = false;
          await this.lease.refresh();
          if (!this.lease.isHeld()) continue;
        }
        const worked = await this.step();
        failures = 0;
        if (!worked) await this.pause(Math.max(this.env.timings.pollIntervalMs * 4, 1000), true);
      } catch (e) {
        if (this.stopping || e instanceof RunnerStoppedError) break;
        if (e instanceof LeaseLostError) {
          this.env.logger.warn(`${this.kind} ${this.name}: lease lost by ${this.env.owner}; stopped writing`);
          this.stopRenewal();
          continue;
        }
        failures++;
        const level = isTransient(e) ? 'warn' : 'error';
        this.env.logger[level](`${this.kind} ${this.name}: ${messageOf(e)} (retrying)`);
        await this.pause(backoffMs(failures, this.env.timings));
      }
    }
  }

  /** Why mayTake() refused the document, for the log. */
  protected refusal(doc: ConsumerStateDoc): string {
    return `owned by a newer version (v${doc.version})`;
  }

  private mayTakeLogged(doc: ConsumerStateDoc): boolean {
    const ok = this.mayTake(doc);
    if (!ok && !this.refusedLogged) {
      this.refusedLogged = true;
      this.env.logger.warn(`${this.kind} ${this.name}: ${this.refusal(doc)}; this instance leaves it alone`);
    }
    return ok;
  }

  private startRenewal(): void {
    this.stopRenewal();
    const every = Math.max(50, Math.floor(this.env.timings.renewIntervalMs / 3));
    this.renewTimer = setInterval(() => void this.renewIfDue(), every);
    this.renewTimer.unref();
  }

  private stopRenewal(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /** Every checkpoint write renews the lease too; this only writes when none happened for renewIntervalMs. */
  private async renewIfDue(): Promise<void> {
    if (this.renewing || this.stopping || !this.lease.isHeld()) return;
    if (this.lease.sinceLastWrite() < this.env.timings.renewIntervalMs) return;
    this.renewing = true;
    try {
      await this.lease.update((d) => this.onRenew(d));
    } catch (e) {
      if (e instanceof LeaseLostError) this.wake();
      else this.env.logger.warn(`${this.kind} ${this.name}: lease renewal failed: ${messageOf(e)}`);
    } finally {
      this.renewing = false;
    }
  }
}
