import type { AllSlice, ReadScope, StoredEvent } from '@gyroscops/event-store';
import { initialState, type ConsumerStateDoc } from './consumer-state';
import { ConsumerRunner } from './consumer-runner';
import { appendScanned, isGroupDoc, settle, windowRoom, type Backoff, type ConsumerGroupState } from './consumer-group.state';
import { logEventMatcher, readFilteredLog } from './log-filter';
import type { RunnerEnv } from './runner-env';

export function groupScope(group: Pick<ConsumerGroupState, 'organizationId' | 'allOrganizations'>): ReadScope {
  return { organizationId: group.organizationId, isAdmin: group.allOrganizations };
}

export interface GroupRunnerHooks {
  backoff: Backoff;
  /** Events the runner read, for fetches served by this instance. */
  remember(events: readonly StoredEvent[]): void;
  /** The runner wrote the group's document (new events pending, deliveries lapsed): wake local fetches. */
  changed(key: string): void;
}

/**
 * The part of a consumer group that needs one reader: following the log. Like a saga's runner it holds the group's
 * lease (same document, same takeover and fencing), reads the log from where the group has looked so far, and
 * appends the matching events to the group's pending list, which consumers fetch from on any instance; it also
 * lapses deliveries whose deadline passed and parks those that ran out of attempts. Fetches, acknowledgements and
 * operators change the same document by compare-and-set, and every write of the runner is applied on top of theirs.
 */
export class ConsumerGroupRunner extends ConsumerRunner {
  constructor(
    env: RunnerEnv,
    /** `<organization>/<group>`, URI-encoded organization. */
    readonly key: string,
    private readonly hooks: GroupRunnerHooks,
  ) {
    super(env, 'group', key);
  }

  /** A group exists only once created through ConsumerGroups: this runner never creates its document. */
  protected async initialState(): Promise<ConsumerStateDoc> {
    return initialState('group', this.key, 1);
  }

  protected mayTake(doc: ConsumerStateDoc): boolean {
    return isGroupDoc(doc);
  }

  protected refusal(): string {
    return 'the group does not exist (deleted)';
  }

  cursor(): number | null {
    if (!this.lease.isHeld()) return null;
    const doc = this.lease.doc;
    return isGroupDoc(doc) ? doc.group.scannedTo : null;
  }

  protected async step(): Promise<boolean> {
    // Consumers and operators changed the document since this holder last wrote it.
    await this.lease.refresh();
    this.assertActive();
    const doc = this.lease.doc;
    if (!isGroupDoc(doc)) return false;
    const from = doc.group.scannedTo;
    const room = windowRoom(doc.group);
    let read: AllSlice | null = null;
    if (room > 0) {
      read = await readFilteredLog(this.env.store, logEventMatcher(doc.group.filter, groupScope(doc.group)), {
        after: from,
        limit: room,
        maxScanned: this.env.timings.batchSize,
        pageSize: this.env.timings.batchSize,
      });
      this.hooks.remember(read.events);
    }
    const progressed = read !== null && read.checkpoint > from;
    if (!progressed && !settle(doc, Date.now(), this.hooks.backoff).changed) return false;
    const written = await this.lease.update((d) => {
      if (!isGroupDoc(d)) return d;
      const next = read ? appendScanned(d, from, read.events, read.checkpoint) : d;
      return { ...settle(next, Date.now(), this.hooks.backoff).doc, headPosition: Math.max(next.headPosition, read?.head ?? 0) };
    });
    if (progressed && read) this.meter.record(read.checkpoint - from);
    this.hooks.changed(this.key);
    this.env.onCheckpoint('group', this.key, written.checkpoint);
    return progressed;
  }
}
