import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { authenticate, recordAuthOutcome } from '../../auth/auth-outcome';
import type { JwtVerifier } from '../../auth/jwt-verifier';
import { CORRELATION_ID_HEADER, correlationIdOf } from './correlation-id';

/** Caller recorded in the context of requests without a valid token (they only reach @Public routes). */
export const ANONYMOUS_USER_ID = 'anonymous';

const scopes = new WeakMap<object, AsyncResource>();

/**
 * Runs every request inside `RequestContextStore.run(...)`: correlation id (echoed in the response)
 * and the caller from the bearer token. Rejected tokens are recorded, not answered here: the guard
 * answers 401 on protected routes, and public routes (health probes) still work.
 */
export function registerRequestContextHooks(fastify: FastifyInstance, verifier: JwtVerifier): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdOf(request.raw);
    void reply.header(CORRELATION_ID_HEADER, correlationId);

    const outcome = authenticate(request.headers.authorization, verifier);
    recordAuthOutcome(request.raw, outcome);
    const caller = outcome.kind === 'authenticated' ? outcome.caller : null;
    const context: RequestContext = {
      correlationId,
      causationId: null,
      userId: caller?.userId ?? ANONYMOUS_USER_ID,
      organizationId: caller?.organizationId ?? ANONYMOUS_USER_ID,
      roles: caller?.roles ?? [],
      source: 'api',
    };
    RequestContextStore.run(context, () => {
      const scope = new AsyncResource('gyroscops.request');
      scopes.set(request.raw, scope);
      scope.runInAsyncScope(done);
    });
  });

  // The body is read from socket events that run outside the request's async context, so the hooks
  // and handler after parsing are re-entered into it (as @fastify/request-context does).
  fastify.addHook('preValidation', (request, _reply, done) => {
    const scope = scopes.get(request.raw);
    if (scope) scope.runInAsyncScope(done);
    else done();
  });
}
