import { uuidFromEvent, uuidV5 } from './uuid-from-event';

describe('uuidFromEvent', () => {
  it('follows RFC 4122 version 5 (known vector: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same UUID for the same namespace and event, whatever the case of the event id', () => {
    const eventId = 'A1B2C3D4-0000-4000-8000-000000000001';
    expect(uuidFromEvent('payment-saga:refund', eventId)).toBe(uuidFromEvent('payment-saga:refund', eventId.toLowerCase()));
    expect(uuidFromEvent('payment-saga:refund', eventId)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives different UUIDs for different namespaces or events', () => {
    const e1 = '00000000-0000-4000-8000-000000000001';
    const e2 = '00000000-0000-4000-8000-000000000002';
    const ids = new Set([
      uuidFromEvent('a', e1),
      uuidFromEvent('b', e1),
      uuidFromEvent('a', e2),
      uuidFromEvent('6ba7b810-9dad-11d1-80b4-00c04fd430c8', e1),
    ]);
    expect(ids.size).toBe(4);
  });

  it('refuses an empty namespace', () => {
    expect(() => uuidFromEvent('', 'x')).toThrow('namespace');
  });
});
