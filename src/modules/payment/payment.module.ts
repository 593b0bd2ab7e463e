import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ProjectionsModule } from '@gyroscops/projections';
import { ProjectionsAdminModule } from '../projections/projections.module';
import { paymentsProjection } from './projections/payments.projection';
import { GetPaymentHandler } from './queries/get-payment/get-payment.handler';
import { ListPaymentsHandler } from './queries/list-payments/list-payments.handler';
import { ProcessPaymentHandler } from './commands/process-payment/process-payment.handler';
import { RefundPaymentHandler } from './commands/refund-payment/refund-payment.handler';
import { paymentDecider } from './domain/payment.decider';
import { PaymentController } from './payment.controller';
import { PAYMENT_REPOSITORY } from './payment.tokens';
import { PaymentHistoryHandler } from './queries/payment-history/payment-history.handler';
import { PaymentTimelineHandler } from './queries/payment-timeline/payment-timeline.handler';
import { ReplayPaymentHandler } from './queries/replay-payment/replay-payment.handler';
import { SearchPaymentEventsHandler } from './queries/search-payment-events/search-payment-events.handler';

@Module({
  imports: [CqrsModule, ProjectionsAdminModule, ProjectionsModule.forFeature({ projections: [paymentsProjection] })],
  controllers: [PaymentController],
  providers: [
    {
      provide: PAYMENT_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventSourcedRepository(store, paymentDecider, { snapshotEvery: 50 }),
    },
    ProcessPaymentHandler,
    GetPaymentHandler,
    ListPaymentsHandler,
    RefundPaymentHandler,
    PaymentHistoryHandler,
    SearchPaymentEventsHandler,
    PaymentTimelineHandler,
    ReplayPaymentHandler,
  ],
})
export class PaymentModule {}
