import type { EventSourcedRepository } from '@gyroscops/ddd';
import type { WorkflowCommand, WorkflowState } from './domain/workflow.decider';
import type { WorkflowEvent } from './domain/workflow.events';

export const WORKFLOW_REPOSITORY = Symbol('WORKFLOW_REPOSITORY');
/** `() => Date`: the clock commands are decided with (step durations); replaced in tests. */
export const WORKFLOW_CLOCK = Symbol('WORKFLOW_CLOCK');

export type WorkflowRepository = EventSourcedRepository<WorkflowState, WorkflowCommand, WorkflowEvent>;
export type Clock = () => Date;
