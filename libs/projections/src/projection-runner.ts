import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@gyroscops/event-store';
import { initialState, type ConsumerStateDoc, type FailureRecord, type RebuildState } from './consumer-state';
import { ConsumerRunner } from './consumer-runner';
import { isTransient, messageOf } from './es-support';
import { idsOf, isRelevant, planBatch } from './fold';
import type { ProjectionDefinition } from './projection.definition';
import { RateMeter } from './rate-meter';
import type { RunnerEnv } from './runner-env';
import { backoffMs } from './timings';

interface ApplyOutcome {
  failure: FailureRecord | null;
  /** With a failure: every position up to here is applied (the new checkpoint). */
  appliedThrough: number;
}

/** A batch's write failed in a way worth retrying without counting it (overload, shard unavailable). */
class TransientWriteError extends Error {}

/**
 * Runs one projection: the live cursor (checkpoint → alias index) and, while one is asked for, a rebuild
 * cursor filling a fresh index from 0; swaps the alias when the rebuild has caught up.
 */
export class ProjectionRunner extends ConsumerRunner {
  private readonly relevant: (e: StoredEvent) => boolean;
  private liveMeter = new RateMeter();
  private rebuildMeter = new RateMeter();

  constructor(
    env: RunnerEnv,
    readonly def: ProjectionDefinition<object>,
    private readonly onRebuildDone: (name: string, rebuildId: string) => void = () => undefined,
  ) {
    super(env, 'projection', def.name);
    this.relevant = isRelevant(def);
  }

  protected async initialState(): Promise<ConsumerStateDoc> {
    return initialState('projection', this.def.name, this.def.version);
  }

  protected mayTake(doc: ConsumerStateDoc): boolean {
    return doc.version <= this.def.version && (!doc.rebuild || doc.rebuild.version <= this.def.version);
  }

  /** A new holder tries again what the previous one gave up on: the failure may have been fixed since. */
  protected onTake(doc: ConsumerStateDoc): ConsumerStateDoc {
    return { ...doc, failure: null, rebuild: doc.rebuild ? { ...doc.rebuild, failure: null } : null };
  }

  protected onRenew(doc: ConsumerStateDoc): ConsumerStateDoc {
    return {
      ...doc,
      eventsPerSecond: this.liveMeter.rate(),
      rebuild: doc.rebuild ? { ...doc.rebuild, eventsPerSecond: this.rebuildMeter.rate() } : null,
    };
  }

  cursor(): number | null {
    if (!this.lease.isHeld()) return null;
    const doc = this.lease.doc;
    return doc.rebuild && !doc.rebuild.failure ? Math.min(doc.rebuild.position, doc.checkpoint) : doc.checkpoint;
  }

  /** Brings indices and alias in line with the state document, whatever step a previous holder died in. */
  protected async onAcquired(): Promise<void> {
    const { indices, logger } = this.env;
    let doc = this.lease.doc;
    if (!doc.index || !(await indices.exists(doc.index))) {
      if (doc.index) logger.warn(`projection ${this.name}: index ${doc.index} is missing; building a new one from position 0`);
      const index = indices.newIndex(this.name, this.def.version);
      this.assertActive();
      await this.lease.update((d) => ({ ...d, index, version: this.def.version, checkpoint: 0, rebuild: null }));
      await indices.create(index, this.def.mappings);
      this.assertActive();
      await indices.pointAlias(this.name, index);
      doc = this.lease.doc;
    }
    const targets = await indices.aliasTargets(this.name);
    if (doc.rebuild && targets.length === 1 && targets[0] === doc.rebuild.index) {
      // The previous holder swapped the alias and died before recording it: finish its swap.
      await this.recordSwap(doc.rebuild);
      doc = this.lease.doc;
    } else if (!(targets.length === 1 && targets[0] === doc.index)) {
      this.assertActive();
      await indices.pointAlias(this.name, doc.index as string);
    }
    if (doc.rebuild && !(await indices.exists(doc.rebuild.index))) {
      await indices.create(doc.rebuild.index, this.def.mappings);
      await this.lease.update((d) => (d.rebuild ? { ...d, rebuild: { ...d.rebuild, position: 0, eventsDone: 0 } } : d));
      doc = this.lease.doc;
    }
    const keep = new Set([doc.index, doc.rebuild?.index].filter((i): i is string => !!i));
    for (const orphan of (await indices.list(this.name)).filter((i) => !keep.has(i))) {
      this.assertActive();
      logger.log(`projection ${this.name}: deleting leftover index ${orphan}`);
      await indices.delete(orphan);
    }
    if (doc.version < this.def.version && !(doc.rebuild && doc.rebuild.version === this.def.version)) {
      logger.log(`projection ${this.name}: version ${doc.version} → ${this.def.version}, rebuilding`);
      await this.startRebuild(`upgrade-v${this.def.version}-${randomUUID()}`);
    }
  }

  protected async step(): Promise<boolean> {
    let doc = this.lease.doc;
    if (doc.rebuildRequest && (!doc.rebuild || doc.rebuild.failure)) {
      await this.startRebuild(doc.rebuildRequest.id);
      doc = this.lease.doc;
    }
    let worked = false;
    // The live index keeps serving and following the log during a rebuild of the same version; an
    // upgrade pauses it, since this code only knows the new version's evolve.
    const upgrading = !!doc.rebuild && doc.rebuild.version !== doc.version;
    if (!doc.failure && !upgrading) worked = (await this.liveStep()) || worked;
    doc = this.lease.doc;
    if (doc.rebuild && !doc.rebuild.failure) worked = (await this.rebuildStep(doc.rebuild)) || worked;
    return worked;
  }

  private async liveStep(): Promise<boolean> {
    const doc = this.lease.doc;
    const slice = await this.env.store.readAll({ after: doc.checkpoint, maxCount: this.env.timings.batchSize });
    if (slice.checkpoint <= doc.checkpoint) return false;
    const outcome = await this.apply(doc.index as string, slice.events, doc.checkpoint);
    this.assertActive();
    if (outcome.failure) {
      const failure = outcome.failure;
      const written = await this.lease.update((d) => ({
        ...d,
        checkpoint: Math.max(d.checkpoint, outcome.appliedThrough),
        failure,
        headPosition: slice.head,
      }));
      this.env.logger.error(
        `projection ${this.name}: stopped at position ${failure.position} after ${failure.attempts} attempts: ${failure.message}`,
      );
      this.env.onCheckpoint('projection', this.name, written.checkpoint);
      return false;
    }
    this.liveMeter.record(slice.checkpoint - doc.checkpoint);
    await this.env.faults.beforeCheckpoint?.('projection', this.name, slice.checkpoint);
    const written = await this.lease.update((d) => ({
      ...d,
      checkpoint: slice.checkpoint,
      headPosition: slice.head,
      eventsPerSecond: this.liveMeter.rate(),
    }));
    this.env.onCheckpoint('projection', this.name, written.checkpoint);
    return true;
  }

  private async rebuildStep(rebuild: RebuildState): Promise<boolean> {
    const slice = await this.env.store.readAll({ after: rebuild.position, maxCount: this.env.timings.rebuildBatchSize });
    let worked = false;
    if (slice.checkpoint > rebuild.position) {
      worked = true;
      const outcome = await this.apply(rebuild.index, slice.events, rebuild.position);
      this.assertActive();
      if (outcome.failure) {
        const failure = outcome.failure;
        await this.lease.update((d) =>
          d.rebuild?.id === rebuild.id
            ? { ...d, rebuild: { ...d.rebuild, position: Math.max(d.rebuild.position, outcome.appliedThrough), failure } }
            : d,
        );
        this.env.logger.error(`projection ${this.name}: rebuild stopped at position ${failure.position}: ${failure.message}`);
        return false;
      }
      this.rebuildMeter.record(slice.checkpoint - rebuild.position);
      await this.env.faults.beforeCheckpoint?.('projection', this.name, slice.checkpoint);
      await this.lease.update((d) =>
        d.rebuild?.id === rebuild.id
          ? {
              ...d,
              headPosition: slice.head,
              rebuild: {
                ...d.rebuild,
                position: slice.checkpoint,
                headPosition: slice.head,
                eventsDone: d.rebuild.eventsDone + (slice.checkpoint - rebuild.position),
                eventsPerSecond: this.rebuildMeter.rate(),
              },
            }
          : d,
      );
    }
    const doc = this.lease.doc;
    const current = doc.rebuild;
    if (!current || current.id !== rebuild.id) return worked;
    // Same version: caught up with the live cursor. Upgrade (live paused): also at the tail of the log.
    const atTail = slice.events.length < this.env.timings.rebuildBatchSize && slice.checkpoint >= current.position;
    if (current.position >= doc.checkpoint && (current.version === doc.version || atTail)) {
      await this.swap(current);
      return true;
    }
    return worked;
  }

  private async startRebuild(rebuildId: string): Promise<void> {
    const previous = this.lease.doc.rebuild;
    const index = this.env.indices.newIndex(this.name, this.def.version);
    this.rebuildMeter = new RateMeter();
    this.assertActive();
    await this.lease.update((d) => ({
      ...d,
      rebuildRequest: d.rebuildRequest?.id === rebuildId ? null : d.rebuildRequest,
      rebuild: {
        id: rebuildId,
        index,
        version: this.def.version,
        position: 0,
        headPosition: d.headPosition,
        eventsDone: 0,
        eventsPerSecond: 0,
        startedAt: new Date().toISOString(),
        failure: null,
      },
    }));
    await this.env.indices.create(index, this.def.mappings);
    if (previous && previous.index !== index) await this.env.indices.delete(previous.index);
    this.env.logger.log(`projection ${this.name}: rebuild ${rebuildId} started into ${index}`);
  }

  /** Blue/green: the alias moves to the rebuilt index in one atomic call, then the state follows. */
  private async swap(rebuild: RebuildState): Promise<void> {
    this.assertActive();
    await this.env.indices.pointAlias(this.name, rebuild.index);
    await this.recordSwap(rebuild);
  }

  private async recordSwap(rebuild: RebuildState): Promise<void> {
    const old = this.lease.doc.index;
    this.assertActive();
    const written = await this.lease.update((d) => {
      if (d.rebuild?.id !== rebuild.id) return d;
      return {
        ...d,
        index: d.rebuild.index,
        version: d.rebuild.version,
        // The new index holds exactly what the rebuild applied; the live cursor continues from there.
        checkpoint: d.rebuild.position,
        rebuild: null,
        failure: null,
        lastRebuild: {
          id: d.rebuild.id,
          index: d.rebuild.index,
          position: d.rebuild.position,
          startedAt: d.rebuild.startedAt,
          completedAt: new Date().toISOString(),
        },
      };
    });
    this.liveMeter = this.rebuildMeter;
    this.rebuildMeter = new RateMeter();
    this.env.onCheckpoint('projection', this.name, written.checkpoint);
    this.onRebuildDone(this.name, rebuild.id);
    this.env.logger.log(
      `projection ${this.name}: rebuild ${rebuild.id} done at position ${written.checkpoint}; alias now on ${rebuild.index}`,
    );
    if (old && old !== rebuild.index)
      await this.env.indices.delete(old).catch((e: unknown) => this.env.logger.warn(`could not delete ${old}: ${messageOf(e)}`));
  }

  /**
   * Applies a batch to one index: load the touched documents (realtime), fold, one bulk write. Retries
   * transient failures without counting; other failures `maxAttempts` times, then reports the event.
   */
  private async apply(index: string, events: readonly StoredEvent[], from: number): Promise<ApplyOutcome> {
    const relevant = events.filter(this.relevant);
    const { timings, indices, logger } = this.env;
    let attempts = 0;
    let transient = 0;
    for (;;) {
      this.assertActive();
      let failure: { position: number; message: string; appliedThrough: number };
      try {
        const { ids, failure: idFailure } = idsOf(this.def, relevant);
        const touched = [...new Set([...ids.values()].filter((id): id is string => id !== null))];
        // A document that could not be read (its index deleted; a closed index or a shard not available is transient
        // and retried below) is never folded from nothing: that would overwrite it with this batch's events alone.
        const loaded = await indices.load(index, touched).then(
          (docs) => ({ docs, error: null }),
          (e: unknown) => {
            if (isTransient(e)) throw e;
            return { docs: null, error: e };
          },
        );
        const plan = loaded.docs && planBatch(this.def, relevant, ids, loaded.docs);
        this.assertActive();
        const failed = plan ? await indices.write(index, plan.writes) : [];
        const transientFailure = failed.find((f) => f.transient);
        if (transientFailure) throw new TransientWriteError(transientFailure.reason);
        const eventFailure = plan?.failure ?? idFailure;
        if (!plan) {
          const first = relevant[0]?.position ?? from;
          failure = { position: first, message: `could not read the read model: ${messageOf(loaded.error)}`, appliedThrough: first - 1 };
        } else if (failed.length > 0) {
          const firstFailing = Math.min(...failed.map((f) => plan.writes.find((w) => w.id === f.id)?.firstPosition ?? from + 1));
          failure = {
            position: firstFailing,
            message: `write of document ${failed[0].id} refused: ${failed[0].reason}`,
            appliedThrough: firstFailing - 1,
          };
        } else if (eventFailure) {
          failure = { position: eventFailure.position, message: messageOf(eventFailure.error), appliedThrough: eventFailure.position - 1 };
        } else {
          return { failure: null, appliedThrough: from };
        }
      } catch (e) {
        if (!(e instanceof TransientWriteError) && !isTransient(e)) throw e;
        transient++;
        logger.warn(`projection ${this.name}: ${messageOf(e)}; retrying`);
        await this.pause(backoffMs(transient, timings));
        continue;
      }
      attempts++;
      if (attempts >= timings.maxAttempts) {
        return {
          failure: { message: failure.message, position: failure.position, attempts, at: new Date().toISOString() },
          appliedThrough: Math.max(from, failure.appliedThrough),
        };
      }
      logger.warn(
        `projection ${this.name}: event at position ${failure.position} failed (attempt ${attempts}/${timings.maxAttempts}): ${failure.message}`,
      );
      await this.pause(backoffMs(attempts, timings));
    }
  }
}
