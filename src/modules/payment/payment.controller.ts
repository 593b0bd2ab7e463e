import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../auth/access.decorators';
import { ApiIdempotencyKey, CommandId } from '../../common/commands/command-id';
import { HistoryEntryDto, TimelineEntryDto } from '../../common/dto/history.dto';
import { ReplayQueryDto } from '../../common/dto/replay-query.dto';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiProjectionRead, MinPosition, readYourWriteLink } from '../../common/read-models/min-position';
import { instantOf, timeRangeOf } from '../../common/time/time-bound';
import { DecidePaymentCommand } from './commands/decide-payment/decide-payment.command';
import {
  CorrelationParam,
  GetPaymentQueryDto,
  ListPaymentsQueryDto,
  PaymentCommandResultDto,
  PaymentEventsPageDto,
  PaymentEventsQueryDto,
  PaymentIdParam,
  PaymentPageDto,
  PaymentReplayDto,
  PaymentSummaryDto,
  ProcessPaymentDto,
  RefundPaymentDto,
} from './payment.dto';
import { GetPaymentQuery } from './queries/get-payment/get-payment.query';
import { ListPaymentsQuery } from './queries/list-payments/list-payments.query';
import { PaymentHistoryQuery } from './queries/payment-history/payment-history.query';
import { PaymentTimelineQuery } from './queries/payment-timeline/payment-timeline.query';
import { ReplayPaymentQuery } from './queries/replay-payment/replay-payment.query';
import { SearchPaymentEventsQuery, type PaymentEventsPage } from './queries/search-payment-events/search-payment-events.query';

class PaymentHistoryDto {
  @ApiProperty() paymentId!: string;
  @ApiProperty({ type: [HistoryEntryDto], description: 'Oldest first' }) history!: HistoryEntryDto[];
}

class PaymentTimelineDto {
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: [TimelineEntryDto], description: 'Oldest first; empty when no event of yours carries the correlation id' })
  timeline!: TimelineEntryDto[];
}

@ApiTags('payments')
@Controller('v1/payments')
export class PaymentController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Process a payment (records PaymentProcessed)' })
  @ApiCreatedResponse({ type: PaymentCommandResultDto, links: readYourWriteLink('PaymentController_get', 'paymentId') })
  @ApiErrors({ 409: 'PAYMENT.ALREADY_PROCESSED (the paymentId is taken)' })
  async process(@Body() body: ProcessPaymentDto, @CommandId() commandId: string): Promise<PaymentCommandResultDto> {
    const paymentId = body.paymentId ?? `pay-${randomUUID()}`;
    const r = await this.commands.execute(
      new DecidePaymentCommand(commandId, {
        kind: 'ProcessPayment',
        paymentId,
        amount: body.amount,
        currency: body.currency,
        invoiceId: body.invoiceId,
        description: body.description,
      }),
    );
    return { paymentId: r.aggregateId, status: 'completed', version: r.version, position: r.position };
  }

  @Post(':id/refunds')
  @HttpCode(201)
  @Roles('writer')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Refund part or all of a payment (never more than was paid)' })
  @ApiCreatedResponse({ type: PaymentCommandResultDto })
  @ApiErrors({
    404: 'PAYMENT.NOT_FOUND',
    409: 'PAYMENT.REFUND_EXCEEDS_PAID, PAYMENT.ALREADY_REFUNDED, PAYMENT.INVALID_AMOUNT (more decimals than the payment currency)',
  })
  async refund(
    @Param() { id }: PaymentIdParam,
    @Body() body: RefundPaymentDto,
    @CommandId() commandId: string,
  ): Promise<PaymentCommandResultDto> {
    const r = await this.commands.execute(
      new DecidePaymentCommand(commandId, { kind: 'RefundPayment', paymentId: id, amount: body.amount, reason: body.reason }),
    );
    const last = r.events[r.events.length - 1];
    return { paymentId: id, status: String(last.eventData.status), version: r.version, position: r.position };
  }

  @Get()
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({
    summary: "The caller's organization's payments, newest first, by status, currency, invoice and creation time (read model)",
  })
  @ApiOkResponse({ type: PaymentPageDto })
  async list(@Query() q: ListPaymentsQueryDto, @MinPosition() minPosition: number | undefined): Promise<PaymentPageDto> {
    return this.queries.execute(
      new ListPaymentsQuery({
        status: q.status,
        currency: q.currency,
        invoiceId: q.invoiceId,
        range: timeRangeOf(q),
        size: q.size,
        cursor: q.cursor,
        minPosition,
      }),
    );
  }

  @Get('events')
  @Roles('reader')
  @ApiOperation({ summary: 'Search Payment events (newest first, full text over their data)' })
  @ApiOkResponse({ type: PaymentEventsPageDto })
  async events(@Query() q: PaymentEventsQueryDto): Promise<PaymentEventsPage> {
    return this.queries.execute(
      new SearchPaymentEventsQuery({ range: timeRangeOf(q), eventType: q.eventType, q: q.q, size: q.size, cursor: q.cursor }),
    );
  }

  @Get('timeline/:correlationId')
  @Roles('reader')
  @ApiOperation({ summary: 'Every event of a correlation, oldest first' })
  @ApiOkResponse({ type: PaymentTimelineDto })
  async timeline(@Param() { correlationId }: CorrelationParam): Promise<PaymentTimelineDto> {
    return this.queries.execute(new PaymentTimelineQuery(correlationId));
  }

  @Get(':id')
  @Roles('reader')
  @ApiProjectionRead()
  @ApiOperation({ summary: 'A payment: amount, currency, status, refunded (read model)' })
  @ApiOkResponse({ type: PaymentSummaryDto })
  @ApiErrors({ 404: 'PAYMENT.NOT_FOUND' })
  async get(@Param() { id }: PaymentIdParam, @Query() _q: GetPaymentQueryDto, @MinPosition() minPosition: number | undefined) {
    return this.queries.execute(new GetPaymentQuery(id, minPosition));
  }

  @Get(':id/history')
  @Roles('reader')
  @ApiOperation({ summary: "The payment's events, oldest first (audit trail)" })
  @ApiOkResponse({ type: PaymentHistoryDto })
  @ApiErrors({ 404: 'PAYMENT.NOT_FOUND' })
  async history(@Param() { id }: PaymentIdParam): Promise<PaymentHistoryDto> {
    return this.queries.execute(new PaymentHistoryQuery(id));
  }

  @Get(':id/replay')
  @Roles('reader')
  @ApiOperation({ summary: "The payment's state rebuilt from its events as of a version or an RFC 3339 instant" })
  @ApiOkResponse({ type: PaymentReplayDto })
  @ApiErrors({ 404: 'PAYMENT.NOT_FOUND (unknown, or not yet created at that moment)' })
  async replay(@Param() { id }: PaymentIdParam, @Query() q: ReplayQueryDto) {
    return this.queries.execute(new ReplayPaymentQuery(id, q.version, q.at !== undefined ? instantOf(q.at) : undefined));
  }
}
