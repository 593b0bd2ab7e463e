import type { Client } from '@elastic/elasticsearch';
import type { EventStore, StoredEvent } from '@gyroscops/event-store';
import { ConsumerGroupRunner } from './consumer-group-runner';
import type { Backoff } from './consumer-group.state';
import { messageOf } from './es-support';
import { HeadPoller } from './head-poller';
import type { ProjectionLogger, RunnerEnv } from './runner-env';
import type { StateStore } from './state-store';

export interface GroupSupervisorOptions {
  client: Client;
  store: EventStore;
  states: StateStore;
  env: RunnerEnv;
  logger: ProjectionLogger;
  backoff: Backoff;
  /** How often to look for groups created or deleted on other instances. */
  discoveryIntervalMs: number;
  /** How often to compare the log head with the runners' cursors (HeadPoller). */
  pollIntervalMs: number;
  /** A runner read these events. */
  remember: (events: readonly StoredEvent[]) => void;
  /** A runner changed this group's document. */
  changed: (key: string) => void;
}

/**
 * The runners of this instance, one per group: started for every group found (each follows the log only while
 * it holds the group's lease), stopped for groups deleted elsewhere, woken when the log head passes their cursor
 * (HeadPoller).
 */
export class GroupSupervisor {
  private readonly runners = new Map<string, { runner: ConsumerGroupRunner; startedAt: number }>();
  private discoveryTimer: NodeJS.Timeout | null = null;
  private readonly head: HeadPoller;
  private started = false;
  private closed = false;

  constructor(private readonly o: GroupSupervisorOptions) {
    this.head = new HeadPoller(o.store, () => [...this.runners.values()].map((r) => r.runner), o.logger, 'consumer groups: ');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.discover();
    this.discoveryTimer = setInterval(() => void this.discover(), this.o.discoveryIntervalMs);
    this.discoveryTimer.unref();
    this.head.start(this.o.pollIntervalMs);
  }

  /** Stops the runners after their current step and releases their leases. */
  async stop(): Promise<void> {
    this.closed = true;
    this.clearTimers();
    await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop().catch(() => undefined)));
    this.runners.clear();
  }

  /** Stops dead, releasing nothing, as a crashed process would. */
  kill(): void {
    this.closed = true;
    this.clearTimers();
    for (const { runner } of this.runners.values()) runner.kill();
    this.runners.clear();
  }

  /** Something was appended: the runners holding their lease read the log now. */
  notify(): void {
    for (const { runner } of this.runners.values()) if (runner.isActive()) runner.wake();
  }

  isActive(key: string): boolean {
    return this.runners.get(key)?.runner.isActive() ?? false;
  }

  startRunner(key: string): void {
    if (!this.started || this.closed || this.runners.has(key)) return;
    const runner = new ConsumerGroupRunner(this.o.env, key, {
      backoff: this.o.backoff,
      remember: this.o.remember,
      changed: this.o.changed,
    });
    this.runners.set(key, { runner, startedAt: Date.now() });
    runner.start();
  }

  wake(key: string): void {
    this.runners.get(key)?.runner.wake();
  }

  /** The group was deleted: its runner stops dead here (its lease lapses). */
  forget(key: string): void {
    const local = this.runners.get(key);
    this.runners.delete(key);
    local?.runner.kill();
  }

  /** Ids of the groups' documents, all of them or those whose name starts with `prefix` (read after a refresh). */
  async groupIds(prefix = ''): Promise<string[]> {
    const { client, states } = this.o;
    await states.ensureIndex();
    if (prefix) await client.indices.refresh({ index: states.index });
    const r = await client.search({
      index: states.index,
      size: 10_000,
      _source: false,
      query: {
        bool: { filter: [{ term: { kind: 'group' } }, ...(prefix ? [{ prefix: { name: prefix } }] : [])] },
      },
    });
    return r.hits.hits.map((h) => h._id as string);
  }

  /** Starts runners for groups created elsewhere, stops those of groups deleted elsewhere. */
  private async discover(): Promise<void> {
    if (this.closed) return;
    try {
      const ids = await this.groupIds();
      const keys = new Set(ids.map((id) => id.slice('group:'.length)));
      for (const key of keys) this.startRunner(key);
      for (const [key, { runner, startedAt }] of this.runners) {
        // Search lags writes by a refresh: a group created here a moment ago may not be listed yet.
        if (keys.has(key) || runner.isActive() || Date.now() - startedAt < 2 * this.o.discoveryIntervalMs) continue;
        this.runners.delete(key);
        void runner.stop();
      }
    } catch (e) {
      this.o.logger.warn(`consumer groups: discovery failed: ${messageOf(e)}`);
    }
  }

  private clearTimers(): void {
    if (this.discoveryTimer) clearInterval(this.discoveryTimer);
    this.head.stop();
    this.discoveryTimer = null;
  }
}
