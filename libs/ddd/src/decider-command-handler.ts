import type { AppendResult } from '@gyroscops/event-store';
import type { DomainEvent } from './decider';
import type { ConflictPolicy, EventSourcedRepository } from './event-sourced-repository';

/** A decider's command as it travels on the command bus: the command, and the id that makes it idempotent. */
export interface DeciderCommandMessage<C extends { kind: string }> {
  readonly commandId: string;
  readonly command: C;
}

/** The name a decider command goes by in metrics and traces: `ProcessPayment` → `ProcessPaymentCommand`. */
export function deciderCommandName(command: { kind: string }): string {
  return `${command.kind}Command`;
}

/** How one module runs its decider's commands. */
export interface DeciderCommandRouting<C> {
  /** The stream (aggregate id) a command decides on. */
  streamOf(command: C): string;
  /** What the command does when its stream changed between load and append (see ConflictPolicy). */
  conflictOf(command: C): ConflictPolicy;
}

/** A command the decider answered with no event where the module counts on one: a bug, not a refusal. */
export class NothingDecidedError extends Error {
  constructor(command: { kind: string }, aggregateId: string) {
    super(`${command.kind} on ${aggregateId} decided no event`);
    this.name = 'NothingDecidedError';
  }
}

/**
 * Emmett's decider command handler: load the command's stream, decide, append with the command's conflict policy
 * (EventSourcedRepository.execute). A module subclasses it once, as the `@CommandHandler` of its one command class,
 * instead of a handler per command that maps one shape onto another.
 */
export abstract class DeciderCommandHandler<S, C extends { kind: string }, E extends DomainEvent> {
  protected constructor(
    protected readonly repository: EventSourcedRepository<S, C, E>,
    private readonly routing: DeciderCommandRouting<C>,
  ) {}

  /** The append; null when the decider decided nothing (a command it had already taken into account). */
  protected async decide(message: DeciderCommandMessage<C>): Promise<AppendResult | null> {
    const { result } = await this.repository.execute(this.routing.streamOf(message.command), message.command, {
      commandId: message.commandId,
      conflict: this.routing.conflictOf(message.command),
    });
    return result;
  }

  /** The append, for commands the decider always answers with events (or a DomainError). */
  protected async append(message: DeciderCommandMessage<C>): Promise<AppendResult> {
    const result = await this.decide(message);
    if (result === null) throw new NothingDecidedError(message.command, this.routing.streamOf(message.command));
    return result;
  }
}
