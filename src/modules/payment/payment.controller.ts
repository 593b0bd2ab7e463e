import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiConflictResponse, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiMinPosition, MinPosition } from '@gyroscops/projections';
import { Roles } from '../../auth/access.decorators';
import { ReplayQueryDto } from '../../common/dto/replay-query.dto';
import { CommandId } from '../../common/commands/command-id';
import { StoreWakeUp } from '../events/store-wake-up';
import { ProcessPaymentCommand } from './commands/process-payment/process-payment.command';
import { RefundPaymentCommand } from './commands/refund-payment/refund-payment.command';
import {
  CorrelationParam,
  GetPaymentQueryDto,
  ListPaymentsQueryDto,
  PaymentCommandResultDto,
  PaymentEventsQueryDto,
  PaymentIdParam,
  ProcessPaymentDto,
  RefundPaymentDto,
} from './payment.dto';
import { GetPaymentQuery } from './queries/get-payment/get-payment.query';
import { ListPaymentsQuery } from './queries/list-payments/list-payments.query';
import { PaymentHistoryQuery } from './queries/payment-history/payment-history.query';
import { PaymentTimelineQuery } from './queries/payment-timeline/payment-timeline.query';
import { ReplayPaymentQuery } from './queries/replay-payment/replay-payment.query';
import { SearchPaymentEventsQuery } from './queries/search-payment-events/search-payment-events.query';
import { randomUUID } from 'node:crypto';

const IDEMPOTENCY = {
  name: 'Idempotency-Key',
  required: false,
  description: 'A repeat within 24 h returns the first response and records nothing new',
};

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly wakeUp: StoreWakeUp,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({ summary: 'Process a payment (records PaymentProcessed)' })
  @ApiCreatedResponse({ type: PaymentCommandResultDto })
  @ApiConflictResponse({ description: 'PAYMENT.ALREADY_PROCESSED' })
  async process(@Body() body: ProcessPaymentDto, @CommandId() commandId: string): Promise<PaymentCommandResultDto> {
    const paymentId = body.paymentId ?? `pay-${randomUUID()}`;
    const r = await this.commands.execute(
      new ProcessPaymentCommand(commandId, paymentId, body.amount, body.currency, body.invoiceId, body.description),
    );
    this.wakeUp.appended(r.position);
    return { paymentId: r.aggregateId, status: 'completed', version: r.version, position: r.position };
  }

  @Post(':id/refunds')
  @HttpCode(201)
  @Roles('writer')
  @ApiHeader(IDEMPOTENCY)
  @ApiOperation({ summary: 'Refund part or all of a payment (never more than was paid)' })
  @ApiCreatedResponse({ type: PaymentCommandResultDto })
  @ApiConflictResponse({ description: 'PAYMENT.REFUND_EXCEEDS_PAID, PAYMENT.ALREADY_REFUNDED' })
  async refund(
    @Param() { id }: PaymentIdParam,
    @Body() body: RefundPaymentDto,
    @CommandId() commandId: string,
  ): Promise<PaymentCommandResultDto> {
    const r = await this.commands.execute(new RefundPaymentCommand(commandId, id, body.amount, body.reason));
    this.wakeUp.appended(r.position);
    const last = r.events[r.events.length - 1];
    return { paymentId: id, status: String(last.eventData.status), version: r.version, position: r.position };
  }

  @Get()
  @Roles('reader')
  @ApiMinPosition({ query: false })
  @ApiOperation({
    summary: "The caller's organization's payments, newest first, by status, currency, invoice and creation time (read model)",
  })
  async list(@Query() q: ListPaymentsQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(
      new ListPaymentsQuery({
        status: q.status,
        currency: q.currency,
        invoiceId: q.invoiceId,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        size: q.size,
        cursor: q.cursor,
        minPosition,
      }),
    );
  }

  @Get(':id')
  @Roles('reader')
  @ApiMinPosition({ query: false })
  @ApiOperation({ summary: 'A payment: amount, currency, status, refunded (read model)' })
  async get(@Param() { id }: PaymentIdParam, @Query() _q: GetPaymentQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(new GetPaymentQuery(id, minPosition));
  }

  @Get('events')
  @Roles('reader')
  @ApiOperation({ summary: 'Search Payment events (newest first, full text over their data)' })
  async events(@Query() q: PaymentEventsQueryDto) {
    return this.queries.execute(
      new SearchPaymentEventsQuery({
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        eventType: q.eventType,
        q: q.q,
        size: q.size,
        cursor: q.cursor,
      }),
    );
  }

  @Get('timeline/:correlationId')
  @Roles('reader')
  @ApiOperation({ summary: 'Every event of a correlation, oldest first' })
  async timeline(@Param() { correlationId }: CorrelationParam) {
    return this.queries.execute(new PaymentTimelineQuery(correlationId));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({ summary: "The payment's events, oldest first (audit trail)" })
  async history(@Param() { id }: PaymentIdParam) {
    return this.queries.execute(new PaymentHistoryQuery(id));
  }

  @Get(':id/replay')
  @Roles('reader')
  @ApiOperation({ summary: "The payment's state rebuilt from its events as of a version or an ISO time" })
  async replay(@Param() { id }: PaymentIdParam, @Query() q: ReplayQueryDto) {
    return this.queries.execute(new ReplayPaymentQuery(id, q.version, q.at ? new Date(q.at) : undefined));
  }
}
