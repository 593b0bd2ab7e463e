import { type ArgumentsHost, Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { AllExceptionsFilter } from './all-exceptions.filter';

function harness() {
  const sent: { body?: unknown; status?: number; headers: Record<string, string> } = { headers: {} };
  const httpAdapter = {
    isHeadersSent: () => false,
    setHeader: (_reply: unknown, name: string, value: string) => (sent.headers[name] = value),
    reply: (_reply: unknown, body: unknown, status: number) => Object.assign(sent, { body, status }),
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => ({}) }) } as unknown as ArgumentsHost;
  const filter = new AllExceptionsFilter({ httpAdapter } as unknown as HttpAdapterHost);
  return { filter, host, sent };
}

describe('AllExceptionsFilter', () => {
  afterEach(() => jest.restoreAllMocks());

  describe('when an unexpected error escapes a handler', () => {
    it('answers 500 with the generic body, no stack, and logs the error with its stack', () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { filter, host, sent } = harness();
      const error = new TypeError("Cannot read properties of undefined (reading 'id')");

      filter.catch(error, host);

      expect(sent.status).toBe(500);
      expect(sent.body).toEqual({ error: 'InternalServerError', message: 'Internal server error' });
      expect(JSON.stringify(sent.body)).not.toMatch(/TypeError|reading 'id'|\.ts:\d+/);
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0][0]).toBe(error);
      expect((logged.mock.calls[0][0] as Error).stack).toContain('all-exceptions.filter.spec.ts');
    });
  });

  describe('when the event store is unavailable', () => {
    it('answers 503 with a Retry-After header and logs a warning, not an error', () => {
      const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const { filter, host, sent } = harness();

      filter.catch(Object.assign(new Error('ES down'), { code: 'EventStoreUnavailable' }), host);

      expect(sent.status).toBe(503);
      expect(sent.headers).toEqual({ 'retry-after': '5' });
      expect(warned).toHaveBeenCalledTimes(1);
      expect(logged).not.toHaveBeenCalled();
    });
  });
});
