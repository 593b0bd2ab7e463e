import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ProjectionsModule } from '@gyroscops/projections';
import { repositoryProvider } from '../../infrastructure/event-store/repository.provider';
import { ProjectionsEngineModule } from '../../infrastructure/projections/projections-engine.module';
import { paymentsProjection } from './projections/payments.projection';
import { GetPaymentHandler } from './queries/get-payment/get-payment.handler';
import { ListPaymentsHandler } from './queries/list-payments/list-payments.handler';
import { DecidePaymentHandler } from './commands/decide-payment/decide-payment.handler';
import { paymentDecider } from './domain/payment.decider';
import { PaymentController } from './payment.controller';
import { PAYMENT_REPOSITORY } from './payment.tokens';
import { PaymentHistoryHandler } from './queries/payment-history/payment-history.handler';
import { PaymentTimelineHandler } from './queries/payment-timeline/payment-timeline.handler';
import { ReplayPaymentHandler } from './queries/replay-payment/replay-payment.handler';
import { SearchPaymentEventsHandler } from './queries/search-payment-events/search-payment-events.handler';

@Module({
  imports: [CqrsModule, ProjectionsEngineModule, ProjectionsModule.forFeature({ projections: [paymentsProjection] })],
  controllers: [PaymentController],
  providers: [
    repositoryProvider(PAYMENT_REPOSITORY, paymentDecider, { snapshotEvery: 50 }),
    DecidePaymentHandler,
    GetPaymentHandler,
    ListPaymentsHandler,
    PaymentHistoryHandler,
    SearchPaymentEventsHandler,
    PaymentTimelineHandler,
    ReplayPaymentHandler,
  ],
})
export class PaymentModule {}
