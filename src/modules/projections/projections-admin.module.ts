import { Module } from '@nestjs/common';
import { ProjectionsEngineModule } from '../../infrastructure/projections/projections-engine.module';
import { ProjectionsController } from './projections.controller';
import { ProjectionsReadiness } from './projections.health';

/** Projections and sagas in the service: the engine, the admin endpoints and the readiness check. */
@Module({
  imports: [ProjectionsEngineModule],
  controllers: [ProjectionsController],
  providers: [ProjectionsReadiness],
})
export class ProjectionsAdminModule {}
