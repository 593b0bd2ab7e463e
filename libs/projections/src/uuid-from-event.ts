import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Namespace of namespaces that are not UUIDs themselves (a v4 UUID picked once for this library). */
const ROOT_NAMESPACE = '8d4f7c36-2f0e-4d5a-9b1e-6c3a51f2e0a7';

/** RFC 4122 version 5 (SHA-1) UUID of `name` in the `namespace` UUID. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A UUID (RFC 4122 version 5, SHA-1) derived from a namespace and an event id: the same inputs always give
 * the same id, so a saga that reacts twice to one event sends commands and appends events with the same
 * ids, and the event store's idempotent retries make the second append a no-op.
 * `namespace` is either a UUID or any string (e.g. `'payment-saga:refund'`), hashed into one first.
 */
export function uuidFromEvent(namespace: string, eventId: string): string {
  if (!namespace) throw new Error('uuidFromEvent needs a namespace');
  const ns = UUID.test(namespace) ? namespace.toLowerCase() : uuidV5(ROOT_NAMESPACE, namespace);
  return uuidV5(ns, eventId.toLowerCase());
}
