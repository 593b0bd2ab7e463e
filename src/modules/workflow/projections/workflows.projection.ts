import { aggregateProjection, aggregateSummary, type AggregateDocument, type AggregateSummary } from '@gyroscops/projections';
import { evolveWorkflow, initialWorkflowState, workflowView, type WorkflowState } from '../domain/workflow.decider';
import { WORKFLOW_AGGREGATE, WORKFLOW_EVENT_TYPES, type WorkflowEvent } from '../domain/workflow.events';

export const WORKFLOWS_READ_MODEL = 'workflows';

type WorkflowView = ReturnType<typeof workflowView>;
export type WorkflowSummary = AggregateSummary<WorkflowView>;
export type WorkflowDocument = AggregateDocument<WorkflowState, WorkflowView>;

/** The workflows read model: the aggregate's own fold, so the API and a replay always agree. */
export const workflowsProjection = aggregateProjection<WorkflowState, WorkflowView, WorkflowEvent>({
  name: WORKFLOWS_READ_MODEL,
  version: 1,
  aggregateType: WORKFLOW_AGGREGATE,
  eventTypes: WORKFLOW_EVENT_TYPES,
  initialState: initialWorkflowState,
  evolve: evolveWorkflow,
  view: workflowView,
  fields: {
    workflowId: { type: 'keyword' },
    name: { type: 'keyword' },
    status: { type: 'keyword' },
    currentStepId: { type: 'keyword' },
    awaitingPaymentFor: { type: 'keyword' },
  },
});

export const workflowSummary = (doc: WorkflowDocument): WorkflowSummary => aggregateSummary(doc);
