import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent, ReadScope, TelemetryRetention, Upcaster, WriteContext } from '@gyroscops/event-store';

/** Options a contract test may build another store with, on the same data. */
export interface StoreVariant {
  telemetryRetention?: TelemetryRetention;
  /** Event timestamps and what reads take as now. */
  clock?: () => Date;
}

export interface ContractHarness {
  store: EventStore;
  /** Makes searches see everything written so far (Elasticsearch: refresh; in-memory: nothing). */
  settle(): Promise<void>;
  /** Builds another store with these upcasters on the same data. */
  withUpcasters(upcasters: Upcaster[]): Promise<EventStore>;
  /** Builds another store with these options on the same data (closed by `cleanup`). */
  withOptions(options: StoreVariant): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export const orgA = 'org-a';
export const orgB = 'org-b';
export function writer(org = orgA, user = 'user-1', extra: Partial<WriteContext> = {}): WriteContext {
  return { correlationId: randomUUID(), causationId: null, userId: user, organizationId: org, source: 'test', isAdmin: false, ...extra };
}
export const reader = (org = orgA): ReadScope => ({ organizationId: org, isAdmin: false });
export const admin: ReadScope = { organizationId: 'ops', isAdmin: true };
export const ev = (eventType: string, eventData: Record<string, unknown> = {}, extra: Partial<NewEvent> = {}): NewEvent => ({
  eventType,
  eventData,
  ...extra,
});
/** A fresh aggregate id. */
export const id = (p = 'agg') => `${p}-${randomUUID()}`;

/** Each part of the contract reads the harness its suite made (in the suite's beforeAll). */
export type HarnessOf = () => ContractHarness;
