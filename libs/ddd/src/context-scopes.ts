import { isAdmin, RequestContextStore, type RequestContext } from '@gyroscops/context';
import type { ReadScope, WriteContext } from '@gyroscops/event-store';

/** The event store's write context from the caller's request context: identity is never taken from payloads. */
export function writeContextOf(ctx: RequestContext = RequestContextStore.require()): WriteContext {
  return {
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    userId: ctx.userId,
    organizationId: ctx.organizationId,
    source: ctx.source,
    isAdmin: isAdmin(ctx),
  };
}

/** The tenant scope every read goes through: the caller's organization, or everything for admins. */
export function readScopeOf(ctx: RequestContext = RequestContextStore.require()): ReadScope {
  return { organizationId: ctx.organizationId, isAdmin: isAdmin(ctx) };
}
