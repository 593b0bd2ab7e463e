import { runSagaReaction } from '@gyroscops/projections';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError, readScopeOf } from '@gyroscops/ddd';
import { EVENT_STORE, StreamNotFoundError, type EventStore, type StoredEvent } from '@gyroscops/event-store';
import type { SagaDefinition, SagaHandlerContext } from '@gyroscops/projections';
import { DecideWorkflowCommand } from '../commands/decide-workflow/decide-workflow.command';

/** What this saga reads of the Billing module's published events (their stored contract, not its code). */
interface PaymentAppliedData {
  invoiceId?: unknown;
  paymentId?: unknown;
  status?: unknown;
}
interface LineAddedData {
  origin?: { workflowId?: unknown; stepId?: unknown };
}

/** Why a workflow named on a paid invoice is not resumed: it went on already, was cancelled, or is gone. */
const NOTHING_TO_RESUME = new Set(['WORKFLOW.NOT_AWAITING_PAYMENT', 'WORKFLOW.CANCELLED', 'WORKFLOW.COMPLETED', 'WORKFLOW.NOT_FOUND']);

/**
 * When a payment makes an invoice paid, every workflow waiting on a line of that invoice (the provision-resource
 * steps billed on it, named by the lines' `origin`) goes on: WorkflowResumed, and its next step becomes current.
 * The invoice's lines are read from its stream, which holds every line before any payment (lines end at issue).
 */
@Injectable()
export class ResumeAfterPaymentSaga implements SagaDefinition {
  readonly name = 'workflow-resume-after-payment';
  readonly eventTypes = ['InvoicePaymentApplied'];
  private readonly logger = new Logger('ResumeAfterPaymentSaga');

  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onEvent(event: StoredEvent): Promise<void> {
    return runSagaReaction(this, event);
  }

  async handle(event: StoredEvent, context: SagaHandlerContext): Promise<void> {
    const data = event.eventData as PaymentAppliedData;
    if (data.status !== 'paid' || typeof data.invoiceId !== 'string') return;
    const invoiceId = data.invoiceId;
    const paymentId = typeof data.paymentId === 'string' ? data.paymentId : undefined;
    for (const { workflowId, stepId } of await this.billedSteps(invoiceId, event.version)) {
      try {
        // The payment's moment is the resume's: a redelivery decides the same, and the wait is measured to the payment.
        await this.commands.execute(
          new DecideWorkflowCommand(context.idFor(`${workflowId}:${stepId}`), {
            kind: 'ResumeWorkflow',
            workflowId,
            stepId,
            invoiceId,
            paymentId,
            now: new Date(event.timestamp),
          }),
        );
      } catch (e) {
        if (e instanceof DomainError && NOTHING_TO_RESUME.has(e.code)) {
          this.logger.log(`invoice ${invoiceId} paid: workflow ${workflowId} step ${stepId} not resumed (${e.code})`);
          continue;
        }
        throw e;
      }
    }
  }

  /** Workflow steps billed on the invoice, up to the paying event. */
  private async billedSteps(invoiceId: string, toVersion: number): Promise<{ workflowId: string; stepId: string }[]> {
    try {
      const slice = await this.store.readStream(invoiceId, readScopeOf(), { toVersion });
      const steps = new Map<string, { workflowId: string; stepId: string }>();
      for (const e of slice.events) {
        if (e.eventType !== 'InvoiceLineAdded') continue;
        const origin = (e.eventData as LineAddedData).origin;
        if (typeof origin?.workflowId === 'string' && typeof origin.stepId === 'string') {
          steps.set(`${origin.workflowId}\u0000${origin.stepId}`, { workflowId: origin.workflowId, stepId: origin.stepId });
        }
      }
      return [...steps.values()];
    } catch (e) {
      if (e instanceof StreamNotFoundError) return [];
      throw e;
    }
  }
}
