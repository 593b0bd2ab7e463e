import { DomainError, parseMoney, parseQuantity } from '@gyroscops/ddd';
import { WorkflowErrors } from './workflow.errors';
import { PROVISION_RESOURCE, type StepError, type WorkflowStep } from './workflow.events';

// What a workflow command may carry: its steps, a step's output and a step's error (the API's DTOs check the same rules).

export const MAX_STEPS = 100;
export const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
export const STEP_KIND = /^[a-z0-9][a-z0-9._-]{0,99}$/;

type JsonObject = { [key: string]: unknown };

const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validSteps(steps: unknown): WorkflowStep[] {
  if (!Array.isArray(steps) || steps.length === 0) throw WorkflowErrors.invalidSteps('steps must be a non-empty list');
  if (steps.length > MAX_STEPS) throw WorkflowErrors.invalidSteps(`at most ${MAX_STEPS} steps`);
  const seen = new Set<string>();
  return steps.map((s: unknown, i) => {
    const at = `steps[${i}]`;
    if (!isPlainObject(s)) throw WorkflowErrors.invalidSteps('must be an object { id, name, kind }', at);
    const { id, name, kind } = s;
    if (typeof id !== 'string' || !STEP_ID.test(id))
      throw WorkflowErrors.invalidSteps('id must be 1-100 letters, digits, . _ : -', `${at}.id`);
    if (seen.has(id)) throw WorkflowErrors.invalidSteps(`step id ${id} appears twice`, `${at}.id`);
    seen.add(id);
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
      throw WorkflowErrors.invalidSteps('name must be 1-200 characters', `${at}.name`);
    if (typeof kind !== 'string' || !STEP_KIND.test(kind))
      throw WorkflowErrors.invalidSteps('kind must be 1-100 lowercase letters, digits, . _ -', `${at}.kind`);
    return { id, name, kind };
  });
}

/**
 * A provision-resource step's output is what billing will charge: checked here, with billing's own rules
 * (quantity, money in the currency's precision), so a completed step can always be billed.
 */
export function validOutput(step: WorkflowStep, output: unknown): JsonObject {
  if (!isPlainObject(output)) throw WorkflowErrors.invalidOutput('output must be an object');
  if (step.kind !== PROVISION_RESOURCE) return output;
  const { resourceType, resourceId } = output;
  if (typeof resourceType !== 'string' || resourceType.trim() === '' || resourceType.length > 200) {
    throw WorkflowErrors.invalidOutput('a provision-resource output needs resourceType (1-200 characters)', 'output.resourceType');
  }
  if (resourceId !== undefined && (typeof resourceId !== 'string' || resourceId.length === 0 || resourceId.length > 256)) {
    throw WorkflowErrors.invalidOutput('resourceId must be 1-256 characters', 'output.resourceId');
  }
  try {
    parseQuantity(output.quantity, 'output.quantity');
    parseMoney(output.unitPrice, output.currency, { field: 'output.unitPrice' });
  } catch (e) {
    if (e instanceof DomainError)
      throw WorkflowErrors.invalidOutput(`a provision-resource output needs { resourceType, quantity, unitPrice, currency }: ${e.message}`);
    throw e;
  }
  return output;
}

export function validError(error: unknown): StepError {
  if (typeof error === 'string' && error.trim() !== '') return { message: error.slice(0, 2000) };
  if (!isPlainObject(error) || typeof error.message !== 'string' || error.message.trim() === '') {
    throw WorkflowErrors.invalidError('error must be { message, code? } with a non-empty message');
  }
  return error as StepError;
}
