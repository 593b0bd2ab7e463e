import { randomUUID } from 'node:crypto';
import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequestContextStore } from '@gyroscops/context';
import { deterministicId } from '@gyroscops/ddd';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The id of the command a POST carries. With an `Idempotency-Key` header it is derived from the caller's
 * organization, the route and the key, so a repeat maps to the same command: the repository finds its events
 * (their ids derive from the command id) and answers the first result without recording anything new.
 */
export const CommandId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const header = req.headers['idempotency-key'];
  if (header === undefined) return randomUUID();
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY.test(key)) throw new BadRequestException('Idempotency-Key must be 1-255 printable ASCII characters');
  const { organizationId } = RequestContextStore.require();
  return deterministicId('command', `${organizationId}\u0000${req.method} ${req.routeOptions.url ?? req.url}\u0000${key}`);
});
