import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ProjectionsModule } from '@gyroscops/projections';
import { repositoryProvider } from '../../infrastructure/event-store/repository.provider';
import { ProjectionsEngineModule } from '../../infrastructure/projections/projections-engine.module';
import { BillingController } from './billing.controller';
import { INVOICE_REPOSITORY } from './billing.tokens';
import { BillProvisionedResourceHandler } from './commands/bill-provisioned-resource/bill-provisioned-resource.handler';
import { DecideInvoiceHandler } from './commands/decide-invoice/decide-invoice.handler';
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
  // The projections engine (read models, saga runners) is a dependency.
  imports: [
    CqrsModule,
    ProjectionsEngineModule,
    ProjectionsModule.forFeature({ projections: [invoicesProjection], sagas: [InvoicePaymentSaga, ProvisioningBillingSaga] }),
  ],
  controllers: [BillingController],
  providers: [
    repositoryProvider(INVOICE_REPOSITORY, invoiceDecider, { snapshotEvery: 50 }),
    DecideInvoiceHandler,
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
