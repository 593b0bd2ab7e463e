import { currencyExponent, DomainError, formatMoney, multiplyMinorHalfEven, parseMoney, parseQuantity, type Decider } from '@gyroscops/ddd';
import { significantDecimals } from '../../../common/money/decimals';
import { parsePeriod } from './invoice-amounts';
import { InvoiceErrors } from './invoice.errors';
import {
  INVOICE_AGGREGATE,
  type CloudResourceRef,
  type InvoiceEvent,
  type InvoicePaymentRejected,
  type InvoiceStatus,
  type LineOrigin,
} from './invoice.events';

export const MAX_LINES = 1000;

export interface InvoiceLine {
  lineId: string;
  description: string;
  quantity: string;
  unitPriceMinor: number;
  amountMinor: number;
  cloudResource?: CloudResourceRef;
  origin?: LineOrigin;
}

export interface InvoiceState {
  exists: boolean;
  invoiceId: string;
  period: string;
  currency: string;
  status: InvoiceStatus | 'none';
  lines: InvoiceLine[];
  totalMinor: number;
  paidMinor: number;
  /** Payments already applied or rejected: a payment is looked at once. */
  paymentIds: string[];
  voidReason?: string;
}

export interface NewLine {
  lineId: string;
  description: unknown;
  quantity: unknown;
  unitPrice: unknown;
  /** When given, must be the invoice's currency. */
  currency?: unknown;
  cloudResource?: CloudResourceRef;
  origin?: LineOrigin;
}

export type InvoiceCommand =
  | { kind: 'CreateInvoice'; invoiceId: string; period: unknown; currency: unknown }
  /** `openIfMissing`: a saga adding to the open invoice of a period creates it with the line when it does not exist yet. */
  | { kind: 'AddInvoiceLine'; invoiceId: string; line: NewLine; openIfMissing?: { period: string; currency: string } }
  | { kind: 'IssueInvoice'; invoiceId: string }
  | { kind: 'VoidInvoice'; invoiceId: string; reason?: string }
  | { kind: 'ApplyInvoicePayment'; invoiceId: string; paymentId: string; amount: unknown; currency: unknown };

export const initialInvoiceState = (): InvoiceState => ({
  exists: false,
  invoiceId: '',
  period: '',
  currency: '',
  status: 'none',
  lines: [],
  totalMinor: 0,
  paidMinor: 0,
  paymentIds: [],
});

export function evolveInvoice(state: InvoiceState, event: InvoiceEvent): InvoiceState {
  switch (event.type) {
    case 'InvoiceCreated':
      return {
        ...initialInvoiceState(),
        exists: true,
        invoiceId: event.data.invoiceId,
        period: event.data.period,
        currency: event.data.currency,
        status: 'draft',
      };
    case 'InvoiceLineAdded': {
      const d = event.data;
      const line: InvoiceLine = {
        lineId: d.lineId,
        description: d.description,
        quantity: d.quantity,
        unitPriceMinor: d.unitPriceMinor,
        amountMinor: d.amountMinor,
      };
      if (d.cloudResource) line.cloudResource = d.cloudResource;
      if (d.origin) line.origin = d.origin;
      return { ...state, lines: [...state.lines, line], totalMinor: d.totalMinor };
    }
    case 'InvoiceIssued':
      return { ...state, status: 'issued', totalMinor: event.data.totalMinor };
    case 'InvoiceVoided':
      return { ...state, status: 'voided', voidReason: event.data.reason };
    case 'InvoicePaymentApplied':
      return {
        ...state,
        status: event.data.status,
        paidMinor: event.data.paidMinor,
        paymentIds: [...state.paymentIds, event.data.paymentId],
      };
    case 'InvoicePaymentRejected':
      return { ...state, paymentIds: [...state.paymentIds, event.data.paymentId] };
    default:
      return state;
  }
}

const money = (amountMinor: number, currency: string) => formatMoney({ amountMinor, currency });

function requireString(field: string, v: unknown, max: number): string {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max)
    throw InvoiceErrors.invalidLine(field, `${field} must be 1-${max} characters`);
  return v;
}

function addLine(state: InvoiceState, invoiceId: string, line: NewLine): InvoiceEvent {
  if (state.status === 'voided') throw InvoiceErrors.voided(invoiceId);
  if (state.status !== 'draft') throw InvoiceErrors.alreadyIssued(invoiceId, state.status);
  if (line.currency !== undefined && line.currency !== state.currency)
    throw InvoiceErrors.currencyMismatch(invoiceId, state.currency, String(line.currency));
  if (state.lines.some((l) => l.lineId === line.lineId)) throw InvoiceErrors.duplicateLine(invoiceId, line.lineId);
  if (state.lines.length >= MAX_LINES) throw InvoiceErrors.tooManyLines(invoiceId, MAX_LINES);
  const description = requireString('description', line.description, 1000);
  const quantity = parseQuantity(line.quantity);
  // Unit prices are read with the invoice currency's precision (EUR 2 decimals, JPY none); more decimals than it
  // has is a conflict with the invoice (its currency), not a malformed request.
  const decimals = significantDecimals(line.unitPrice);
  if (decimals !== null && decimals > currencyExponent(state.currency)) {
    throw InvoiceErrors.invalidAmount(invoiceId, state.currency, currencyExponent(state.currency));
  }
  const unitPrice = parseMoney(line.unitPrice, state.currency, { field: 'unitPrice' });
  const amount = multiplyMinorHalfEven(quantity, unitPrice.amountMinor);
  const total = BigInt(state.totalMinor) + amount;
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw InvoiceErrors.amountTooLarge(invoiceId);
  const amountMinor = Number(amount);
  const totalMinor = Number(total);
  return {
    type: 'InvoiceLineAdded',
    data: {
      invoiceId,
      lineId: line.lineId,
      period: state.period,
      currency: state.currency,
      description,
      quantity: quantity.text,
      unitPrice: money(unitPrice.amountMinor, state.currency),
      unitPriceMinor: unitPrice.amountMinor,
      amount: money(amountMinor, state.currency),
      amountMinor,
      total: money(totalMinor, state.currency),
      totalMinor,
      lineCount: state.lines.length + 1,
      ...(line.cloudResource ? { cloudResource: line.cloudResource } : {}),
      ...(line.origin ? { origin: line.origin } : {}),
    },
  };
}

function created(invoiceId: string, period: unknown, currency: unknown): InvoiceEvent {
  const p = parsePeriod(period);
  // Validates the ISO 4217 code (MONEY.INVALID otherwise) and gets its exponent for the zero total.
  const zero = parseMoney(0, currency, { allowZero: true, field: 'currency' });
  return {
    type: 'InvoiceCreated',
    data: { invoiceId, period: p, currency: zero.currency, status: 'draft', total: money(0, zero.currency), totalMinor: 0 },
  };
}

function rejection(
  state: InvoiceState,
  command: Extract<InvoiceCommand, { kind: 'ApplyInvoicePayment' }>,
  error: DomainError,
  amountMinor: number,
  currency: string,
): InvoicePaymentRejected {
  return {
    type: 'InvoicePaymentRejected',
    data: {
      invoiceId: command.invoiceId,
      paymentId: command.paymentId,
      period: state.period,
      amount: money(amountMinor, currency),
      amountMinor,
      currency,
      invoiceCurrency: state.currency,
      invoiceStatus: state.status as InvoiceStatus,
      reason: error.code,
      message: error.message,
    },
  };
}

function applyPayment(state: InvoiceState, command: Extract<InvoiceCommand, { kind: 'ApplyInvoicePayment' }>): InvoiceEvent[] {
  const { invoiceId, paymentId } = command;
  if (!state.exists) throw InvoiceErrors.notFound(invoiceId);
  // A payment is looked at once: a redelivered PaymentProcessed changes nothing.
  if (state.paymentIds.includes(paymentId)) return [];
  const payment = parseMoney(command.amount, command.currency);
  const refusal =
    payment.currency !== state.currency
      ? InvoiceErrors.currencyMismatch(invoiceId, state.currency, payment.currency)
      : state.status === 'draft'
        ? InvoiceErrors.notIssued(invoiceId)
        : state.status === 'voided'
          ? InvoiceErrors.voided(invoiceId)
          : state.status === 'paid'
            ? InvoiceErrors.alreadyPaid(invoiceId)
            : null;
  if (refusal) return [rejection(state, command, refusal, payment.amountMinor, payment.currency)];
  const paidMinor = state.paidMinor + payment.amountMinor;
  if (!Number.isSafeInteger(paidMinor)) throw InvoiceErrors.amountTooLarge(invoiceId);
  const balanceMinor = Math.max(0, state.totalMinor - paidMinor);
  const overpaidMinor = Math.max(0, paidMinor - state.totalMinor);
  const c = state.currency;
  return [
    {
      type: 'InvoicePaymentApplied',
      data: {
        invoiceId,
        paymentId,
        period: state.period,
        currency: c,
        amount: money(payment.amountMinor, c),
        amountMinor: payment.amountMinor,
        paid: money(paidMinor, c),
        paidMinor,
        balance: money(balanceMinor, c),
        balanceMinor,
        total: money(state.totalMinor, c),
        totalMinor: state.totalMinor,
        status: balanceMinor === 0 ? 'paid' : 'partially_paid',
        ...(overpaidMinor > 0 ? { overpaid: money(overpaidMinor, c), overpaidMinor } : {}),
      },
    },
  ];
}

export function decideInvoice(command: InvoiceCommand, state: InvoiceState): InvoiceEvent[] {
  switch (command.kind) {
    case 'CreateInvoice':
      if (state.exists) throw InvoiceErrors.alreadyExists(command.invoiceId);
      return [created(command.invoiceId, command.period, command.currency)];
    case 'AddInvoiceLine': {
      if (!state.exists) {
        if (!command.openIfMissing) throw InvoiceErrors.notFound(command.invoiceId);
        const opening = created(command.invoiceId, command.openIfMissing.period, command.openIfMissing.currency);
        return [opening, addLine(evolveInvoice(state, opening), command.invoiceId, command.line)];
      }
      return [addLine(state, command.invoiceId, command.line)];
    }
    case 'IssueInvoice':
      if (!state.exists) throw InvoiceErrors.notFound(command.invoiceId);
      if (state.status === 'voided') throw InvoiceErrors.voided(command.invoiceId);
      if (state.status !== 'draft') throw InvoiceErrors.alreadyIssued(command.invoiceId, state.status);
      if (state.lines.length === 0) throw InvoiceErrors.empty(command.invoiceId);
      return [
        {
          type: 'InvoiceIssued',
          data: {
            invoiceId: command.invoiceId,
            period: state.period,
            currency: state.currency,
            status: 'issued',
            total: money(state.totalMinor, state.currency),
            totalMinor: state.totalMinor,
            lineCount: state.lines.length,
          },
        },
      ];
    case 'VoidInvoice':
      if (!state.exists) throw InvoiceErrors.notFound(command.invoiceId);
      if (state.status === 'voided') throw InvoiceErrors.voided(command.invoiceId);
      if (state.status === 'paid') throw InvoiceErrors.alreadyPaid(command.invoiceId);
      if (state.status === 'partially_paid') throw InvoiceErrors.hasPayments(command.invoiceId);
      return [
        {
          type: 'InvoiceVoided',
          data: {
            invoiceId: command.invoiceId,
            period: state.period,
            currency: state.currency,
            status: 'voided',
            previousStatus: state.status as InvoiceStatus,
            total: money(state.totalMinor, state.currency),
            totalMinor: state.totalMinor,
            ...(command.reason ? { reason: command.reason } : {}),
          },
        },
      ];
    case 'ApplyInvoicePayment':
      return applyPayment(state, command);
  }
}

export const invoiceDecider: Decider<InvoiceState, InvoiceCommand, InvoiceEvent> = {
  aggregateType: INVOICE_AGGREGATE,
  initialState: initialInvoiceState,
  evolve: evolveInvoice,
  decide: decideInvoice,
};

/** The public view of an invoice (replays and the read model share its shape). */
export function invoiceView(state: InvoiceState) {
  const c = state.currency;
  return {
    invoiceId: state.invoiceId,
    period: state.period,
    currency: c,
    status: state.status,
    total: money(state.totalMinor, c),
    totalMinor: state.totalMinor,
    paid: money(state.paidMinor, c),
    balance: money(Math.max(0, state.totalMinor - state.paidMinor), c),
    lines: state.lines.map((l) => ({
      lineId: l.lineId,
      description: l.description,
      quantity: l.quantity,
      unitPrice: money(l.unitPriceMinor, c),
      amount: money(l.amountMinor, c),
      ...(l.cloudResource ? { cloudResource: l.cloudResource } : {}),
      ...(l.origin ? { origin: l.origin } : {}),
    })),
    ...(state.voidReason ? { voidReason: state.voidReason } : {}),
  };
}
