import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { historyEntry, readScopeOf, type HistoryEntry } from '@gyroscops/ddd';
import { EVENT_STORE, StreamNotFoundError, type EventStore } from '@gyroscops/event-store';
import { WORKFLOW_AGGREGATE } from '../../domain/workflow.events';
import { WorkflowErrors } from '../../domain/workflow.errors';
import { WorkflowHistoryQuery } from './workflow-history.query';

/** The workflow's events, oldest first: its audit trail, read from the stream (always current). */
@QueryHandler(WorkflowHistoryQuery)
export class WorkflowHistoryHandler implements IQueryHandler<WorkflowHistoryQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ workflowId }: WorkflowHistoryQuery): Promise<{ workflowId: string; history: HistoryEntry[] }> {
    const slice = await this.store.readStream(workflowId, readScopeOf()).catch((e: unknown) => {
      throw e instanceof StreamNotFoundError ? WorkflowErrors.notFound(workflowId) : e;
    });
    if (slice.aggregateType !== WORKFLOW_AGGREGATE) throw WorkflowErrors.notFound(workflowId);
    return { workflowId, history: slice.events.map(historyEntry) };
  }
}
