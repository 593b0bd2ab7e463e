import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import type { EventStore } from '@gyroscops/event-store';
import type { ConsumerKind } from './consumer-state';
import type { BulkSender, ReadModelIndices } from './read-model-index';
import type { StateStore } from './state-store';
import type { ProjectionTimings } from './timings';

export interface ProjectionLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Test-only hooks between protocol steps; a hook that never settles is a process that died there. */
export interface ProjectionFaults {
  /** Replaces the bulk request that writes read-model documents (e.g. send half, then die). */
  bulk?: BulkSender;
  /** Runs after a batch's effects (read-model writes, saga handlers) and before its checkpoint is stored. */
  beforeCheckpoint?(kind: ConsumerKind, name: string, checkpoint: number): Promise<void>;
}

/** What runners share, handed down by the engine. */
export interface RunnerEnv {
  store: EventStore;
  states: StateStore;
  indices: ReadModelIndices;
  timings: ProjectionTimings;
  owner: string;
  logger: ProjectionLogger;
  faults: ProjectionFaults;
  /** A runner stored a new checkpoint (wakes waitForPosition). */
  onCheckpoint(kind: ConsumerKind, name: string, checkpoint: number): void;
}

/** Where and as whom a host of runners (ProjectionEngine, ConsumerGroups) works. */
export interface RunnerHostOptions {
  client: Client;
  store: EventStore;
  /** Same prefix as the event store's indices: state in `<prefix>-projection-state`, read models in `<prefix>-rm-<name>`. */
  indexPrefix: string;
  numberOfReplicas?: number;
  timings?: Partial<ProjectionTimings>;
  /** Identifies this process as a lease owner; unique by default. */
  instanceId?: string;
  logger?: ProjectionLogger;
}

/** A lease owner id unique to this process: host, pid and a random suffix. */
export const newInstanceId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export const silentLogger: ProjectionLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
