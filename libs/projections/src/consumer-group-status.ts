import type { ConsumerGroupState, GroupDoc } from './consumer-group.state';
import type { ConsumerGroupStatus } from './consumer-group.api';

/** Pending events of a group by state (lapsed deliveries count as retrying). */
export interface GroupCounts {
  pending: number;
  ready: number;
  inFlight: number;
  retrying: number;
}

export function groupCounts(group: ConsumerGroupState, now: number): GroupCounts {
  let ready = 0;
  let inFlight = 0;
  let retrying = 0;
  for (const p of group.pending) {
    if (p.state === 'inflight' && (p.deadline ?? 0) > now) inFlight++;
    else if (p.state === 'ready') ready++;
    else retrying++;
  }
  return { pending: group.pending.length, ready, inFlight, retrying };
}

/** A group's status as callers see it: its document's counts, with the lag against the log head. */
export function groupStatus(doc: GroupDoc, head: number | null, now: number): ConsumerGroupStatus {
  const g: ConsumerGroupState = doc.group;
  const counts = groupCounts(g, now);
  const headPosition = Math.max(head ?? 0, doc.headPosition, doc.checkpoint);
  const leaseLive = !!doc.owner && doc.leaseExpiresAt > now;
  const inFlightBy = new Map<string, number>();
  for (const p of g.pending) {
    if (p.state === 'inflight' && (p.deadline ?? 0) > now && p.consumer) inFlightBy.set(p.consumer, (inFlightBy.get(p.consumer) ?? 0) + 1);
  }
  const slash = doc.name.indexOf('/');
  return {
    name: doc.name.slice(slash + 1),
    organizationId: g.organizationId,
    allOrganizations: g.allOrganizations,
    filter: {
      eventTypes: [...(g.filter.eventTypes ?? [])],
      aggregateType: g.filter.aggregateType ?? null,
      aggregateIdPrefix: g.filter.aggregateIdPrefix ?? null,
    },
    settings: { ...g.settings },
    position: doc.checkpoint,
    headPosition,
    lag: Math.max(0, headPosition - doc.checkpoint),
    ...counts,
    parkedCount: doc.parkedCount,
    delivered: g.delivered,
    redelivered: g.redelivered,
    acked: g.acked,
    nacked: g.nacked,
    lapsed: g.lapsed,
    consumers: Object.entries(g.consumers).map(([consumer, c]) => ({ consumer, ...c, inFlight: inFlightBy.get(consumer) ?? 0 })),
    state: leaseLive ? 'running' : 'stopped',
    owner: leaseLive ? doc.owner : null,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}
