import type { IncomingMessage } from 'node:http';
import { correlationIdOf, isValidCorrelationId } from './correlation-id';

const request = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlation ids', () => {
  it('accepts 1-128 safe characters', () => {
    expect(isValidCorrelationId('order-42_retry.1:a@b')).toBe(true);
    expect(isValidCorrelationId('x'.repeat(128))).toBe(true);
    expect(isValidCorrelationId('x'.repeat(129))).toBe(false);
    expect(isValidCorrelationId('')).toBe(false);
    expect(isValidCorrelationId('a b')).toBe(false);
    expect(isValidCorrelationId('a\r\nSet-Cookie: x')).toBe(false);
    expect(isValidCorrelationId('<script>')).toBe(false);
  });

  it("keeps the caller's valid id", () => {
    expect(correlationIdOf(request({ 'x-correlation-id': 'abc-123' }))).toBe('abc-123');
  });

  it('replaces a missing or unsafe id with a UUID, the same for the whole request', () => {
    const req = request({ 'x-correlation-id': 'not safe!' });
    const id = correlationIdOf(req);
    expect(id).toMatch(UUID);
    expect(correlationIdOf(req)).toBe(id);
    expect(correlationIdOf(request({}))).toMatch(UUID);
  });
});
