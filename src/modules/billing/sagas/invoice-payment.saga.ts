import { runSagaReaction } from '@gyroscops/projections';
import { Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@gyroscops/ddd';
import type { StoredEvent } from '@gyroscops/event-store';
import type { SagaDefinition, SagaHandlerContext } from '@gyroscops/projections';
import { DecideInvoiceCommand } from '../commands/decide-invoice/decide-invoice.command';

/** What this saga reads of the Payment module's published event (its stored contract, not its code). */
interface PaymentProcessedData {
  paymentId?: unknown;
  invoiceId?: unknown;
  amount?: unknown;
  currency?: unknown;
}

/**
 * A PaymentProcessed naming an invoice counts towards that invoice: InvoicePaymentApplied (paid or partially
 * paid), or InvoicePaymentRejected when it cannot (other currency, draft, voided, already paid). A payment naming
 * an invoice that does not exist in the payer's organization is ignored: there is no invoice to record it on.
 */
@Injectable()
export class InvoicePaymentSaga implements SagaDefinition {
  readonly name = 'billing-invoice-payment';
  readonly eventTypes = ['PaymentProcessed'];
  private readonly logger = new Logger('InvoicePaymentSaga');

  constructor(private readonly commands: CommandBus) {}

  /** The reaction to one event, in the runner's context (see runSagaReaction). */
  onEvent(event: StoredEvent): Promise<void> {
    return runSagaReaction(this, event);
  }

  async handle(event: StoredEvent, context: SagaHandlerContext): Promise<void> {
    const data = event.eventData as PaymentProcessedData;
    if (typeof data.invoiceId !== 'string' || data.invoiceId === '') return;
    const paymentId = typeof data.paymentId === 'string' ? data.paymentId : event.aggregateId;
    try {
      await this.commands.execute(
        new DecideInvoiceCommand(context.idFor('apply'), {
          kind: 'ApplyInvoicePayment',
          invoiceId: data.invoiceId,
          paymentId,
          amount: data.amount,
          currency: data.currency,
        }),
      );
    } catch (e) {
      if (e instanceof DomainError && e.code === 'INVOICE.NOT_FOUND') {
        this.logger.warn(
          `payment ${paymentId} names invoice ${data.invoiceId}, unknown in organization ${event.metadata.organizationId}: ignored`,
        );
        return;
      }
      throw e;
    }
  }
}
