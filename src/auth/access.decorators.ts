import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Role } from '@gyroscops/context';

export const IS_PUBLIC_KEY = 'gyroscops:access:public';
export const ROLES_KEY = 'gyroscops:access:roles';

/** No token needed (health, docs). Every route needs either @Public() or @Roles(...): others are denied. */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Requires an authenticated caller holding one of the roles. Roles nest: `reader` is granted to
 * reader, writer and admin; `writer` to writer and admin; `admin` to admin only.
 * Use `@Roles('reader')` on reads, `@Roles('writer')` on writes, `@Roles('admin')` for admin-only routes.
 */
export const Roles = (...roles: [Role, ...Role[]]): ClassDecorator & MethodDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing, invalid or expired bearer token' }),
    ApiForbiddenResponse({ description: `Requires role ${roles.join(' or ')}` }),
  );
