import { assertValidProjection, assertValidSaga, type ProjectionDefinition, type SagaDefinition } from './projection.definition';

type Registration = { kind: 'projection'; def: ProjectionDefinition<object> } | { kind: 'saga'; def: SagaDefinition };

/**
 * Where domain modules declare their projections and sagas (through `ProjectionsModule.forFeature` or
 * by calling `register` / `registerSaga` in onModuleInit). Runners start for everything registered when
 * the application boots; later registrations start at once.
 */
export class ProjectionRegistry {
  private readonly projectionDefs = new Map<string, ProjectionDefinition<object>>();
  private readonly sagaDefs = new Map<string, SagaDefinition>();
  private readonly lazySagas: (() => SagaDefinition)[] = [];
  private readonly listeners = new Set<(r: Registration) => void>();

  register<D extends object>(def: ProjectionDefinition<D>): void {
    const d = def as unknown as ProjectionDefinition<object>;
    assertValidProjection(d);
    const existing = this.projectionDefs.get(d.name);
    if (existing === d) return;
    if (existing) throw new Error(`A projection named ${d.name} is already registered`);
    this.projectionDefs.set(d.name, d);
    for (const l of this.listeners) l({ kind: 'projection', def: d });
  }

  registerSaga(def: SagaDefinition): void {
    assertValidSaga(def);
    const existing = this.sagaDefs.get(def.name);
    if (existing === def) return;
    if (existing) throw new Error(`A saga named ${def.name} is already registered`);
    this.sagaDefs.set(def.name, def);
    for (const l of this.listeners) l({ kind: 'saga', def });
  }

  /** A saga whose instance only exists once the application is built (a Nest provider). */
  registerLazySaga(resolve: () => SagaDefinition): void {
    this.lazySagas.push(resolve);
  }

  /** Registers the lazily declared sagas; called when the application boots. */
  resolveLazy(): void {
    for (const resolve of this.lazySagas.splice(0)) this.registerSaga(resolve());
  }

  projection(name: string): ProjectionDefinition<object> | undefined {
    return this.projectionDefs.get(name);
  }

  saga(name: string): SagaDefinition | undefined {
    return this.sagaDefs.get(name);
  }

  projections(): ProjectionDefinition<object>[] {
    return [...this.projectionDefs.values()];
  }

  sagas(): SagaDefinition[] {
    return [...this.sagaDefs.values()];
  }

  /** Calls `listener` for every later registration; returns an unsubscribe function. */
  onRegistered(listener: (r: Registration) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
