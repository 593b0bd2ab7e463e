import { Injectable, Logger, RequestMethod, type OnApplicationBootstrap } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { accessRuleOf, type AccessRule } from './access-rule';

export interface RouteAccess {
  readonly method: string;
  readonly path: string;
  /** `Controller.handler` */
  readonly handler: string;
  readonly rule: AccessRule | null;
}

/** Lists every controller route with its access rule, and reports at start-up the ones that have none. */
@Injectable()
export class RouteAudit implements OnApplicationBootstrap {
  private readonly logger = new Logger(RouteAudit.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  routes(): RouteAccess[] {
    const routes: RouteAccess[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype;
      if (!controller || typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      const basePaths = paths(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function') continue;
        const routePath: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        if (routePath === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? 'GET';
        const rule = accessRuleOf(this.reflector, handler as () => unknown, controller);
        for (const base of basePaths) {
          for (const sub of paths(routePath)) {
            routes.push({ method, path: joinPath(base, sub), handler: `${controller.name}.${name}`, rule });
          }
        }
      }
    }
    return routes;
  }

  unguardedRoutes(): RouteAccess[] {
    return this.routes().filter((route) => route.rule === null);
  }

  onApplicationBootstrap(): void {
    for (const route of this.unguardedRoutes()) {
      this.logger.error(`${route.method} ${route.path} (${route.handler}) has neither @Public() nor @Roles(): it answers 403 to everyone`);
    }
  }
}

function paths(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return [typeof value === 'string' ? value : '/'];
}

function joinPath(base: string, sub: string): string {
  const joined = `/${base}/${sub}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
