import { runSagaReaction } from '@gyroscops/projections';
import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { StoredEvent } from '@gyroscops/event-store';
import type { SagaDefinition, SagaHandlerContext } from '@gyroscops/projections';
import { BillProvisionedResourceCommand } from '../commands/bill-provisioned-resource/bill-provisioned-resource.command';
import { periodOf } from '../domain/invoice-amounts';

/** The step kind whose completion bills a resource (the Workflow module's published contract). */
export const PROVISION_RESOURCE = 'provision-resource';

/** What this saga reads of the Workflow module's published WorkflowStepCompleted. */
interface StepCompletedData {
  workflowId?: unknown;
  stepId?: unknown;
  stepName?: unknown;
  stepKind?: unknown;
  output?: { resourceType?: unknown; resourceId?: unknown; quantity?: unknown; unitPrice?: unknown; currency?: unknown };
}

/**
 * A completed provision-resource step puts a line on its organization's open invoice for the period the step
 * completed in (UTC month of the event), in the output's currency, opening the invoice when there is none.
 * The line names its origin (workflow and step), which is how the workflow is found again once it is paid.
 */
@Injectable()
export class ProvisioningBillingSaga implements SagaDefinition {
  readonly name = 'billing-provisioning';
  readonly eventTypes = ['WorkflowStepCompleted'];

  constructor(private readonly commands: CommandBus) {}

  onEvent(event: StoredEvent): Promise<void> {
    return runSagaReaction(this, event);
  }

  async handle(event: StoredEvent, context: SagaHandlerContext): Promise<void> {
    const data = event.eventData as StepCompletedData;
    if (data.stepKind !== PROVISION_RESOURCE) return;
    const workflowId = String(data.workflowId);
    const stepId = String(data.stepId);
    const output = data.output ?? {};
    const resourceType = String(output.resourceType);
    const resourceId = typeof output.resourceId === 'string' ? output.resourceId : undefined;
    // Errors (an output billing refuses, no open invoice) propagate: the runner retries, then parks the event
    // where operators see it, rather than a provisioned resource going unbilled in silence.
    const command = new BillProvisionedResourceCommand(
      context.idFor('bill'),
      periodOf(new Date(event.timestamp)),
      String(output.currency),
      {
        lineId: `${workflowId}:${stepId}`,
        description: `${resourceType}${resourceId ? ` ${resourceId}` : ''} (workflow ${workflowId}, step ${typeof data.stepName === 'string' ? data.stepName : stepId})`,
        quantity: output.quantity,
        unitPrice: output.unitPrice,
        cloudResource: { resourceType, ...(resourceId ? { resourceId } : {}) },
        origin: { workflowId, stepId },
      },
    );
    await this.commands.execute(command);
  }
}
