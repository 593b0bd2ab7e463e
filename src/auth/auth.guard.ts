import { ForbiddenException, Injectable, Logger, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { accessRuleOf, satisfiesRoles } from './access-rule';
import { authOutcomeOf } from './auth-outcome';

/**
 * Global guard, deny by default: @Public() routes are open, @Roles(...) routes need a caller with a
 * granting role, and a route with neither is refused with 403 (and logged) so a forgotten decorator
 * never exposes a route.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const rule = accessRuleOf(this.reflector, context.getHandler(), context.getClass());
    if (rule === null) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} has neither @Public() nor @Roles(): request denied`);
      throw new ForbiddenException('This route has no access rule and is denied by default');
    }
    if (rule.kind === 'public') return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const outcome = authOutcomeOf(request.raw);
    if (outcome.kind === 'rejected') throw new UnauthorizedException(outcome.reason);
    if (outcome.kind === 'anonymous') throw new UnauthorizedException('A bearer token is required');
    if (!satisfiesRoles(outcome.caller.roles, rule.roles)) {
      throw new ForbiddenException(`This route requires the ${rule.roles.join(' or ')} role`);
    }
    return true;
  }
}
