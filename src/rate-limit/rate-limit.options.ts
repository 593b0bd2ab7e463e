import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { authOutcomeOf } from '../auth/auth-outcome';
import type { ThrottleConfig } from '../config/app-config';
import { isExpensiveOperation } from './expensive-operation.decorator';

/** Names of the throttlers, as they appear in response headers (`X-RateLimit-Limit-expensive`). */
export const GLOBAL_THROTTLER = 'default';
export const EXPENSIVE_THROTTLER = 'expensive';

/**
 * Two limits, each counted per caller and route in this instance's memory:
 * - `default`, on every route: THROTTLE_LIMIT, 0 (the default) for none. The callers are internal services; a limit
 *   they could reach would throttle one of them at the store's throughput, and a limit far above it is not free
 *   either: @nestjs/throttler keeps one timestamp per request in the window and filters them all on every request.
 * - `expensive`, only on routes marked @ExpensiveOperation(): THROTTLE_EXPENSIVE_LIMIT (10 by default).
 */
export function rateLimitOptions(throttle: ThrottleConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: GLOBAL_THROTTLER, limit: throttle.limit, ttl: throttle.ttlMs, skipIf: () => throttle.limit === 0 },
      {
        name: EXPENSIVE_THROTTLER,
        limit: throttle.expensiveLimit,
        ttl: throttle.ttlMs,
        skipIf: (context) => throttle.expensiveLimit === 0 || !isExpensiveOperation(context),
      },
    ],
    // Per caller: the authenticated user, else the client address.
    getTracker: (req: Record<string, unknown>) => {
      const request = req as unknown as FastifyRequest;
      const outcome = authOutcomeOf(request.raw);
      return outcome.kind === 'authenticated' ? `user:${outcome.caller.userId}` : `ip:${request.ip}`;
    },
  };
}
