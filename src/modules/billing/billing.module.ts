import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ProjectionsModule } from '@gyroscops/projections';
import { ProjectionsAdminModule } from '../projections/projections.module';
import { BillingController } from './billing.controller';
import { INVOICE_REPOSITORY } from './billing.tokens';
import { AddInvoiceLineHandler } from './commands/add-invoice-line/add-invoice-line.handler';
import { ApplyInvoicePaymentHandler } from './commands/apply-invoice-payment/apply-invoice-payment.handler';
import { BillProvisionedResourceHandler } from './commands/bill-provisioned-resource/bill-provisioned-resource.handler';
import { CreateInvoiceHandler } from './commands/create-invoice/create-invoice.handler';
import { IssueInvoiceHandler } from './commands/issue-invoice/issue-invoice.handler';
import { VoidInvoiceHandler } from './commands/void-invoice/void-invoice.handler';
import { invoiceDecider } from './domain/invoice.decider';
import { invoicesProjection } from './projections/invoices.projection';
import { GetInvoiceHandler } from './queries/get-invoice/get-invoice.handler';
import { InvoiceHistoryHandler } from './queries/invoice-history/invoice-history.handler';
import { ListInvoicesHandler } from './queries/list-invoices/list-invoices.handler';
import { ReplayInvoiceHandler } from './queries/replay-invoice/replay-invoice.handler';
import { InvoicePaymentSaga } from './sagas/invoice-payment.saga';
import { ProvisioningBillingSaga } from './sagas/provisioning-billing.saga';

/**
 * Invoices: commands over the event store, the `invoices` read model, and two sagas on the global log
 * (payments naming an invoice; provisioned resources billed on the open invoice of the month).
 */
@Module({
  // The projections engine (read models, saga runners) is a dependency: Nest keeps one instance of
  // ProjectionsAdminModule however many modules import it.
  imports: [
    CqrsModule,
    ProjectionsAdminModule,
    ProjectionsModule.forFeature({ projections: [invoicesProjection], sagas: [InvoicePaymentSaga, ProvisioningBillingSaga] }),
  ],
  controllers: [BillingController],
  providers: [
    {
      provide: INVOICE_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventSourcedRepository(store, invoiceDecider, { snapshotEvery: 50 }),
    },
    CreateInvoiceHandler,
    AddInvoiceLineHandler,
    IssueInvoiceHandler,
    VoidInvoiceHandler,
    ApplyInvoicePaymentHandler,
    BillProvisionedResourceHandler,
    GetInvoiceHandler,
    ListInvoicesHandler,
    InvoiceHistoryHandler,
    ReplayInvoiceHandler,
    InvoicePaymentSaga,
    ProvisioningBillingSaga,
  ],
})
export class BillingModule {}
