import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { EVENT_STORE, MAX_PAGE_SIZE, type EventStore, type StoredEvent } from '@gyroscops/event-store';
import { CorrelationNotFoundError } from '../../analytics.errors';
import { causationTree } from '../../domain/causation-tree';
import { CorrelationTreeQuery, MAX_CORRELATION_EVENTS, type CorrelationTree } from './correlation-tree.query';

/** The events of one correlation and their causation tree: which event caused which, across aggregates. */
@QueryHandler(CorrelationTreeQuery)
export class CorrelationTreeHandler implements IQueryHandler<CorrelationTreeQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ correlationId }: CorrelationTreeQuery): Promise<CorrelationTree> {
    const scope = readScopeOf();
    const events: StoredEvent[] = [];
    let total = 0;
    let cursor: string | undefined;
    do {
      const size = Math.min(MAX_PAGE_SIZE, MAX_CORRELATION_EVENTS - events.length);
      const page = await this.store.search({ correlationId, sort: 'asc', size, cursor }, scope);
      total = page.total;
      events.push(...page.events);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && events.length < MAX_CORRELATION_EVENTS);
    if (events.length === 0) throw new CorrelationNotFoundError(correlationId);
    const tree = causationTree(events);
    return { correlationId, total, truncated: total > events.length, roots: tree.roots, nodes: tree.nodes };
  }
}
