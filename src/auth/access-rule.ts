import type { Reflector } from '@nestjs/core';
import type { Role } from '@gyroscops/context';
import { IS_PUBLIC_KEY, ROLES_KEY } from './access.decorators';

export type AccessRule = { readonly kind: 'public' } | { readonly kind: 'roles'; readonly roles: readonly Role[] };

// Which roles grant each required role: writers and admins may read, admins may write.
const GRANTED_BY: Readonly<Record<Role, readonly Role[]>> = {
  reader: ['reader', 'writer', 'admin'],
  writer: ['writer', 'admin'],
  admin: ['admin'],
};

type MetadataTarget = Parameters<Reflector['get']>[1];

/** The rule of a route: the handler's own decorator wins over its controller's; null when neither has one. */
export function accessRuleOf(reflector: Reflector, handler: MetadataTarget, controller: MetadataTarget): AccessRule | null {
  for (const target of [handler, controller]) {
    const roles = reflector.get<Role[] | undefined>(ROLES_KEY, target);
    if (roles && roles.length > 0) return { kind: 'roles', roles };
    if (reflector.get<boolean | undefined>(IS_PUBLIC_KEY, target) === true) return { kind: 'public' };
  }
  return null;
}

/** True when the caller holds a role granting any of the required ones. */
export function satisfiesRoles(callerRoles: readonly Role[], required: readonly Role[]): boolean {
  return required.some((role) => GRANTED_BY[role].some((granting) => callerRoles.includes(granting)));
}
