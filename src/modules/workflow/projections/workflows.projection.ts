import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ProjectionDefinition } from '@gyroscops/projections';
import { evolveWorkflow, initialWorkflowState, workflowView, type WorkflowState } from '../domain/workflow.decider';
import { WORKFLOW_AGGREGATE, WORKFLOW_EVENT_TYPES, type WorkflowEvent } from '../domain/workflow.events';

export const WORKFLOWS_READ_MODEL = 'workflows';

export type WorkflowSummary = ReturnType<typeof workflowView> & {
  organizationId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdPosition: number;
};

/** The stored document: the summary and the decider's state it is folded from (not indexed). */
export type WorkflowDocument = WorkflowSummary & { state: WorkflowState };

const mappings: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    workflowId: { type: 'keyword' },
    name: { type: 'keyword' },
    status: { type: 'keyword' },
    currentStepId: { type: 'keyword' },
    awaitingPaymentFor: { type: 'keyword' },
    version: { type: 'long' },
    createdAt: { type: 'date' },
    createdPosition: { type: 'long' },
    updatedAt: { type: 'date' },
    state: { type: 'object', enabled: false },
  },
};

/** The workflows read model: the aggregate's own fold, so the API and a replay always agree. */
export const workflowsProjection: ProjectionDefinition<WorkflowDocument> = {
  name: WORKFLOWS_READ_MODEL,
  version: 1,
  eventTypes: WORKFLOW_EVENT_TYPES,
  idOf: (e: StoredEvent) => (e.aggregateType === WORKFLOW_AGGREGATE ? e.aggregateId : null),
  evolve(doc: WorkflowDocument | null, e: StoredEvent): WorkflowDocument {
    const state = evolveWorkflow(doc?.state ?? initialWorkflowState(), { type: e.eventType, data: e.eventData } as WorkflowEvent);
    return {
      ...workflowView(state),
      organizationId: e.metadata.organizationId,
      version: e.version,
      createdAt: doc?.createdAt ?? e.timestamp,
      // Global position of the first event: a total order of creation (timestamps can tie).
      createdPosition: doc?.createdPosition ?? e.position,
      updatedAt: e.timestamp,
      state,
    };
  },
  mappings,
};

export function workflowSummary(doc: WorkflowDocument): WorkflowSummary {
  const { state: _state, ...summary } = doc;
  return summary;
}
