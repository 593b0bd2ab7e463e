import {
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { EventBus } from '@nestjs/cqrs';
import type { Subscription } from 'rxjs';
import type { ProjectionDefinition, SagaDefinition } from './projection.definition';
import { ProjectionEngine, type ProjectionEngineOptions } from './projection-engine';
import { ProjectionRegistry } from './projection.registry';
import { ReadModels } from './read-models';

export interface ProjectionsModuleOptions extends Omit<ProjectionEngineOptions, 'registry' | 'logger'> {
  /** Start the runners when the application boots (default true). */
  autoStart?: boolean;
  /** Wake the runners on every event published on the @nestjs/cqrs EventBus, when there is one (default true). */
  wakeOnEventBus?: boolean;
}

export interface ProjectionsModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | (abstract new (...args: never[]) => unknown))[];
  useFactory: (...args: never[]) => ProjectionsModuleOptions | Promise<ProjectionsModuleOptions>;
}

export interface ProjectionsFeature {
  /** Any `ProjectionDefinition<D>` fits (its methods are checked bivariantly). */
  projections?: ProjectionDefinition<object>[];
  /** Saga objects, or classes of Nest providers implementing SagaDefinition (they must be provided by the importing module). */
  sagas?: (SagaDefinition | Type<SagaDefinition>)[];
}

export const PROJECTIONS_OPTIONS = Symbol('PROJECTIONS_OPTIONS');

let autoStartOverride: boolean | null = null;

/**
 * Command-line tools boot the whole application context to drive one projection; calling this with
 * `false` before creating it keeps every runner from starting (they start on demand, e.g. by rebuild()).
 */
export function overrideProjectionsAutoStart(enabled: boolean | null): void {
  autoStartOverride = enabled;
}

/** Whether runners start when the application boots: `configured`, unless a command-line tool said otherwise. */
export function projectionsAutoStart(configured = true): boolean {
  return autoStartOverride ?? configured;
}

@Injectable()
class ProjectionsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: Subscription | null = null;

  constructor(
    private readonly engine: ProjectionEngine,
    @Inject(PROJECTIONS_OPTIONS) private readonly options: ProjectionsModuleOptions,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    this.engine.registry.resolveLazy();
    if (this.options.wakeOnEventBus !== false) {
      const bus = this.eventBus();
      if (bus) this.subscription = bus.subscribe(() => this.engine.notify());
    }
    if (autoStartOverride ?? this.options.autoStart ?? true) this.engine.start();
  }

  /** Before the Elasticsearch client closes (onApplicationShutdown): leases are released, not left to expire. */
  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.engine.stop();
  }

  private eventBus(): EventBus | null {
    try {
      return this.moduleRef.get(EventBus, { strict: false });
    } catch {
      return null;
    }
  }
}

let featureCount = 0;

/** Host of the providers `forFeature` adds. */
@Module({})
export class ProjectionsFeatureModule {}

/**
 * Projections and sagas as a Nest module. `forRootAsync` once (global): provides ProjectionEngine,
 * ProjectionRegistry and ReadModels, starts runners on bootstrap and releases leases on shutdown.
 * `forFeature` in domain modules declares their projections and sagas.
 */
@Module({})
export class ProjectionsModule {
  static forRootAsync(options: ProjectionsModuleAsyncOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: PROJECTIONS_OPTIONS,
          inject: options.inject ?? [],
          useFactory: options.useFactory as (...args: unknown[]) => ProjectionsModuleOptions,
        },
        { provide: ProjectionRegistry, useFactory: () => new ProjectionRegistry() },
        {
          provide: ProjectionEngine,
          inject: [PROJECTIONS_OPTIONS, ProjectionRegistry],
          useFactory: (o: ProjectionsModuleOptions, registry: ProjectionRegistry) =>
            new ProjectionEngine({ ...o, registry, logger: new Logger('Projections') }),
        },
        { provide: ReadModels, inject: [ProjectionEngine], useFactory: (engine: ProjectionEngine) => engine.readModels },
        ProjectionsLifecycle,
      ],
      exports: [ProjectionEngine, ProjectionRegistry, ReadModels],
    };
  }

  static forFeature(feature: ProjectionsFeature): DynamicModule {
    // A distinct token per call, so Nest never merges two features whose providers look alike.
    const token = `gyroscops:projections:feature:${++featureCount}:${(feature.projections ?? []).map((p: { name: string }) => p.name).join(',')}`;
    return {
      module: ProjectionsFeatureModule,
      providers: [
        {
          provide: token,
          inject: [ProjectionRegistry, ModuleRef],
          useFactory: (registry: ProjectionRegistry, moduleRef: ModuleRef) => {
            for (const p of feature.projections ?? []) registry.register(p);
            for (const s of feature.sagas ?? []) {
              if (typeof s === 'function') registry.registerLazySaga(() => moduleRef.get(s, { strict: false }));
              else registry.registerSaga(s);
            }
            return true;
          },
        },
      ],
    };
  }
}
