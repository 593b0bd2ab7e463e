import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';
import { RouteAudit } from './route-audit';
import { WhoAmIController } from './whoami.controller';

@Module({
  imports: [DiscoveryModule],
  controllers: [WhoAmIController],
  providers: [
    { provide: JwtVerifier, inject: [AppConfig], useFactory: (config: AppConfig) => new JwtVerifier(config.auth) },
    { provide: APP_GUARD, useClass: AuthGuard },
    RouteAudit,
  ],
  exports: [JwtVerifier, RouteAudit],
})
export class AuthModule {}
