import { currencyExponent, formatMoney, parseMoney, type Decider } from '@gyroscops/ddd';
import { significantDecimals } from '../../../common/money/decimals';
import { PaymentErrors } from './payment.errors';
import { PAYMENT_AGGREGATE, type PaymentEvent, type PaymentStatus } from './payment.events';

export interface PaymentState {
  exists: boolean;
  paymentId: string;
  amountMinor: number;
  currency: string;
  refundedMinor: number;
  status: PaymentStatus | 'none';
  invoiceId?: string;
  description?: string;
}

export type PaymentCommand =
  | { kind: 'ProcessPayment'; paymentId: string; amount: unknown; currency: unknown; invoiceId?: string; description?: string }
  | { kind: 'RefundPayment'; paymentId: string; amount: unknown; reason?: string };

export const initialPaymentState = (): PaymentState => ({
  exists: false,
  paymentId: '',
  amountMinor: 0,
  currency: '',
  refundedMinor: 0,
  status: 'none',
});

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'PaymentProcessed':
      return {
        exists: true,
        paymentId: event.data.paymentId,
        amountMinor: event.data.amountMinor,
        currency: event.data.currency,
        refundedMinor: 0,
        status: 'completed',
        invoiceId: event.data.invoiceId,
        description: event.data.description,
      };
    case 'PaymentRefunded':
      return { ...state, refundedMinor: event.data.refundedTotalMinor, status: event.data.status };
    default:
      return state;
  }
}

export function decidePayment(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
  switch (command.kind) {
    case 'ProcessPayment': {
      if (state.exists) throw PaymentErrors.alreadyProcessed(command.paymentId);
      const money = parseMoney(command.amount, command.currency);
      return [
        {
          type: 'PaymentProcessed',
          data: {
            paymentId: command.paymentId,
            amount: formatMoney(money),
            amountMinor: money.amountMinor,
            currency: money.currency,
            status: 'completed',
            ...(command.invoiceId ? { invoiceId: command.invoiceId } : {}),
            ...(command.description ? { description: command.description } : {}),
          },
        },
      ];
    }
    case 'RefundPayment': {
      if (!state.exists) throw PaymentErrors.notFound(command.paymentId);
      if (state.status === 'refunded') throw PaymentErrors.fullyRefunded(command.paymentId);
      // Refunds are in the payment's currency: the amount is read with its precision. More decimals than it has is
      // a conflict with the payment (its currency), not a malformed request.
      const decimals = significantDecimals(command.amount);
      if (decimals !== null && decimals > currencyExponent(state.currency)) {
        throw PaymentErrors.invalidAmount(command.paymentId, state.currency, currencyExponent(state.currency));
      }
      const money = parseMoney(command.amount, state.currency);
      const refundable = state.amountMinor - state.refundedMinor;
      if (money.amountMinor > refundable) {
        throw PaymentErrors.refundExceedsPaid(
          command.paymentId,
          formatMoney(money),
          formatMoney({ amountMinor: refundable, currency: state.currency }),
          state.currency,
        );
      }
      const total = state.refundedMinor + money.amountMinor;
      return [
        {
          type: 'PaymentRefunded',
          data: {
            paymentId: command.paymentId,
            amount: formatMoney(money),
            amountMinor: money.amountMinor,
            currency: state.currency,
            ...(command.reason ? { reason: command.reason } : {}),
            refundedTotal: formatMoney({ amountMinor: total, currency: state.currency }),
            refundedTotalMinor: total,
            status: total === state.amountMinor ? 'refunded' : 'partially_refunded',
            ...(state.invoiceId ? { invoiceId: state.invoiceId } : {}),
          },
        },
      ];
    }
  }
}

export const paymentDecider: Decider<PaymentState, PaymentCommand, PaymentEvent> = {
  aggregateType: PAYMENT_AGGREGATE,
  initialState: initialPaymentState,
  evolve: evolvePayment,
  decide: decidePayment,
};

/** The public view of a payment's state (read model documents and replays share it). */
export function paymentView(state: PaymentState) {
  return {
    paymentId: state.paymentId,
    amount: formatMoney({ amountMinor: state.amountMinor, currency: state.currency }),
    currency: state.currency,
    status: state.status,
    refunded: formatMoney({ amountMinor: state.refundedMinor, currency: state.currency }),
    ...(state.invoiceId ? { invoiceId: state.invoiceId } : {}),
    ...(state.description ? { description: state.description } : {}),
  };
}
