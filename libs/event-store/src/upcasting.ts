import type { JsonObject, StoredEvent } from './event-store.port';

/** Turns the data of `eventType` at `fromSchemaVersion` into the next schema version. Stored documents are never rewritten. */
export interface Upcaster {
  eventType: string;
  fromSchemaVersion: number;
  upcast(eventData: JsonObject, event: StoredEvent): JsonObject;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) {
      const key = `${u.eventType}@${u.fromSchemaVersion}`;
      if (this.byKey.has(key)) throw new Error(`Two upcasters for ${key}`);
      this.byKey.set(key, u);
    }
  }

  /** Applies the chain of upcasters from the event's schema version to the newest one registered. */
  apply(event: StoredEvent): StoredEvent {
    if (this.byKey.size === 0) return event;
    let current = event;
    for (let guard = 0; guard < 1000; guard++) {
      const u = this.byKey.get(`${current.eventType}@${current.schemaVersion}`);
      if (!u) return current;
      current = { ...current, eventData: u.upcast(current.eventData, current), schemaVersion: current.schemaVersion + 1 };
    }
    throw new Error(`Upcaster chain for ${event.eventType} does not end`);
  }
}
