// What callers of ConsumerGroups send and receive, and how a group is named and addressed.
import { createHash } from 'node:crypto';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ParkedEvent } from './consumer-state';
import { ConsumerGroupNotFoundError } from './consumer-group.errors';
import type { ConsumerGroupSettings } from './consumer-group.state';
import type { LogFilter } from './log-filter';

export type StartFrom = 'beginning' | 'end' | number;

export interface ConsumerGroupSpec {
  filter: LogFilter;
  settings?: Partial<ConsumerGroupSettings>;
  /** Where a new group starts (default `beginning`); an existing group keeps its position (see `move`). */
  startFrom?: StartFrom;
}

/** Who calls: the caller's organization, and whether it is an admin (admins may address any organization's groups). */
export interface GroupCaller {
  organizationId: string;
  isAdmin: boolean;
}

/** A group is named within an organization. */
export interface GroupRef {
  organizationId: string;
  name: string;
}

export interface ConsumerGroupStatus {
  name: string;
  organizationId: string;
  allOrganizations: boolean;
  filter: { eventTypes: string[]; aggregateType: string | null; aggregateIdPrefix: string | null };
  settings: ConsumerGroupSettings;
  /** Checkpoint: every event up to this position is acknowledged, filtered out, parked or skipped. */
  position: number;
  headPosition: number;
  lag: number;
  /** Matching events after the checkpoint the group has read from the log. */
  pending: number;
  ready: number;
  inFlight: number;
  retrying: number;
  parkedCount: number;
  delivered: number;
  redelivered: number;
  acked: number;
  nacked: number;
  lapsed: number;
  consumers: { consumer: string; lastSeenAt: string; inFlight: number; delivered: number; acked: number; nacked: number }[];
  /** Whether an instance is following the log for the group (holds its lease). */
  state: 'running' | 'stopped';
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface GroupDelivery {
  /** Acknowledge (or refuse) the event with this id. */
  deliveryId: string;
  /** 1 on the first delivery of this event. */
  attempt: number;
  deliveredAt: string;
  /** After it, the delivery lapses and the event may go to another consumer. */
  deadline: string;
  event: StoredEvent;
}

export interface FetchOptions {
  consumer: string;
  max: number;
  /** Longest wait for an event when none is deliverable at once. */
  waitMs: number;
  /** The consumer went away: stop waiting, and give back what it would have been handed. */
  signal?: AbortSignal;
}

export interface AckOutcome {
  acked: string[];
  /** Unknown, or no longer the latest delivery of its event (lapsed and handed to someone else, group moved). */
  stale: string[];
  at: string;
}

export interface NackOutcome {
  retried: string[];
  parked: string[];
  stale: string[];
  at: string;
}

export interface ParkedList {
  parked: ParkedEvent[];
  parkedCount: number;
}

export const GROUP_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const CONSUMER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * The group a caller means: its own organization's, or (admins only) another one's. Unknown to others.
 */
export function groupRef(caller: GroupCaller, name: string, organizationId?: string): GroupRef {
  if (organizationId !== undefined && organizationId !== caller.organizationId && !caller.isAdmin) {
    throw new ConsumerGroupNotFoundError(name);
  }
  return { organizationId: organizationId ?? caller.organizationId, name };
}

/** The organization as part of a document id (ids are at most 512 bytes; organization ids may be 512 characters). */
export function organizationKey(organizationId: string): string {
  const encoded = encodeURIComponent(organizationId);
  return encoded.length <= 200 ? encoded : `sha256-${createHash('sha256').update(organizationId).digest('hex')}`;
}

export function groupKey(ref: GroupRef): string {
  return `${organizationKey(ref.organizationId)}/${ref.name}`;
}
