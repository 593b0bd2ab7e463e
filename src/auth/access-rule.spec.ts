import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@gyroscops/context';
import { Public, Roles } from './access.decorators';
import { accessRuleOf, satisfiesRoles } from './access-rule';

describe('satisfiesRoles', () => {
  const cases: Array<[Role, Role[], boolean]> = [
    ['reader', ['reader'], true],
    ['reader', ['writer'], true],
    ['reader', ['admin'], true],
    ['writer', ['reader'], false],
    ['writer', ['writer'], true],
    ['writer', ['admin'], true],
    ['admin', ['reader', 'writer'], false],
    ['admin', ['admin'], true],
  ];
  it.each(cases)('a route requiring %s, caller with %j: %s', (required, caller, allowed) => {
    expect(satisfiesRoles(caller, [required])).toBe(allowed);
  });

  it('refuses a caller without roles', () => {
    expect(satisfiesRoles([], ['reader'])).toBe(false);
  });
});

describe('accessRuleOf', () => {
  @Public()
  @Controller('public')
  class PublicController {
    @Get() open(): void {}
    @Get('guarded') @Roles('admin') guarded(): void {}
  }

  @Roles('reader')
  @Controller('reads')
  class ReadController {
    @Get() read(): void {}
    @Get('open') @Public() open(): void {}
  }

  @Controller('bare')
  class BareController {
    @Get() forgotten(): void {}
  }

  const reflector = new Reflector();
  const rule = <T extends object>(cls: abstract new () => T, method: keyof T & string) =>
    accessRuleOf(reflector, cls.prototype[method] as () => void, cls);

  it('uses the controller rule when the handler has none', () => {
    expect(rule(PublicController, 'open')).toEqual({ kind: 'public' });
    expect(rule(ReadController, 'read')).toEqual({ kind: 'roles', roles: ['reader'] });
  });

  it('lets the handler rule win over the controller rule', () => {
    expect(rule(PublicController, 'guarded')).toEqual({ kind: 'roles', roles: ['admin'] });
    expect(rule(ReadController, 'open')).toEqual({ kind: 'public' });
  });

  it('has no rule when neither has a decorator', () => {
    expect(rule(BareController, 'forgotten')).toBeNull();
  });
});
