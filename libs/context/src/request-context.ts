import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export type Role = 'reader' | 'writer' | 'admin';
export const ROLES: readonly Role[] = ['reader', 'writer', 'admin'];

/** Who is acting and on behalf of which request. Carried by AsyncLocalStorage so handlers never thread it by hand. */
export interface RequestContext {
  correlationId: string;
  /** Id of the command or event that caused the current work; null at the edge of the system. */
  causationId: string | null;
  userId: string;
  organizationId: string;
  roles: readonly Role[];
  /** Where the change comes from: `api`, `saga`, `cli`, … */
  source: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const RequestContextStore = {
  run<T>(ctx: RequestContext, fn: () => T): T {
    return storage.run(ctx, fn);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
  /** The current context, or an error: code that writes must never run without a known caller. */
  require(): RequestContext {
    const ctx = storage.getStore();
    if (!ctx) throw new Error('No request context: this code must run inside RequestContextStore.run()');
    return ctx;
  },
  /** Runs `fn` with the current context changed by `patch` (e.g. a new causation id for a command). */
  with<T>(patch: Partial<RequestContext>, fn: () => T): T {
    return storage.run({ ...RequestContextStore.require(), ...patch }, fn);
  },
};

export function isAdmin(ctx: Pick<RequestContext, 'roles'>): boolean {
  return ctx.roles.includes('admin');
}

export function systemContext(source: string, organizationId = 'system', correlationId: string = randomUUID()): RequestContext {
  return { correlationId, causationId: null, userId: `system:${source}`, organizationId, roles: ['admin'], source };
}
