import { randomUUID } from 'node:crypto';
import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequestContextStore } from '@gyroscops/context';
import { uuidFromName } from '@gyroscops/ddd';
import { RequestValidationError } from '../errors/validation';
import { ApiErrors } from '../openapi/api-errors.decorator';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** 1-255 printable ASCII characters: what a header can carry unchanged through proxies and logs. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The command id of a POST: derived from the caller's organization, the path and the `Idempotency-Key` header
 * when there is one (so a repeat maps to the same command), random otherwise. Null-free: a malformed key is a 400.
 */
export function commandIdOf(req: FastifyRequest): string {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return randomUUID();
  const key = Array.isArray(header) ? header[0] : header;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new RequestValidationError([
      { field: IDEMPOTENCY_KEY_HEADER, constraints: { isIdempotencyKey: 'Idempotency-Key must be 1-255 printable ASCII characters' } },
    ]);
  }
  const { organizationId } = RequestContextStore.require();
  // The path as sent (the resource it names), not the route's pattern: one key on two payments' refunds is two commands.
  const path = req.url.split('?')[0];
  return uuidFromName('command', `${organizationId}\u0000${req.method} ${path}\u0000${key}`);
}

/**
 * The id of the command a POST carries. With an `Idempotency-Key` header it is derived from the caller's
 * organization, the path (the resource the request names) and the key, so a repeat maps to the same command: the repository finds its events
 * (their ids derive from the command id) and answers the first result without recording anything new.
 */
export const CommandId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  commandIdOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);

/**
 * OpenAPI of the commands that record events on a stream the client names, stated once: the `Idempotency-Key`
 * header, and 410 StreamDeleted (an id whose stream was hard-deleted can never be written again).
 */
export const ApiIdempotencyKey = (description = 'A repeat returns the first response and records nothing new'): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description,
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source, minLength: 1, maxLength: 255 },
    }),
    ApiErrors({ 410: 'StreamDeleted: the stream this command writes to was hard-deleted; its id can never be written again' }),
  );

/** The command id when the request carries an `Idempotency-Key`, else undefined (the caller then needs none). */
export const IdempotentCommandId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string | undefined => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return req.headers['idempotency-key'] === undefined ? undefined : commandIdOf(req);
});
