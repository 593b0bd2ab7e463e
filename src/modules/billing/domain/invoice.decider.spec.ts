import { replay } from '@gyroscops/ddd';
import { givenWhenThen } from '@gyroscops/ddd/testing';
import { periodOf } from './invoice-amounts';
import { invoiceDecider, invoiceView, MAX_LINES, type InvoiceCommand, type NewLine } from './invoice.decider';
import type { InvoiceEvent } from './invoice.events';

const given = givenWhenThen(invoiceDecider);

/** Runs commands in order from nothing and returns the events they recorded. */
function history(...commands: InvoiceCommand[]): InvoiceEvent[] {
  return commands.reduce<InvoiceEvent[]>((events, c) => [...events, ...invoiceDecider.decide(c, replay(invoiceDecider, events))], []);
}

const id = 'inv-1';
const create = (currency = 'EUR', period = '2026-11'): InvoiceCommand => ({ kind: 'CreateInvoice', invoiceId: id, period, currency });
const line = (over: Partial<NewLine> = {}): InvoiceCommand => ({
  kind: 'AddInvoiceLine',
  invoiceId: id,
  line: { lineId: `l-${Math.random()}`, description: 'vCPU hours', quantity: 2, unitPrice: '10.00', ...over },
});
const issue: InvoiceCommand = { kind: 'IssueInvoice', invoiceId: id };
const pay = (paymentId: string, amount: unknown, currency = 'EUR'): InvoiceCommand => ({
  kind: 'ApplyInvoicePayment',
  invoiceId: id,
  paymentId,
  amount,
  currency,
});
const draft = history(create(), line({ lineId: 'l1' }));
const issued = history(create(), line({ lineId: 'l1' }), issue);

describe('Invoice decider', () => {
  describe('when creating an invoice', () => {
    it('records InvoiceCreated as a draft with a zero total in the currency precision', () => {
      given([])
        .when(create('EUR', '2026-11'))
        .then([
          {
            type: 'InvoiceCreated',
            data: { invoiceId: id, period: '2026-11', currency: 'EUR', status: 'draft', total: '0.00', totalMinor: 0 },
          },
        ]);
      given([])
        .when(create('JPY'))
        .then([{ type: 'InvoiceCreated', data: { total: '0' } }]);
    });
    it.each(['2026-13', '2026-00', '26-11', '2026-1', '', 202611])('refuses the period %p with INVOICE.INVALID_PERIOD', (period) => {
      given([]).when({ kind: 'CreateInvoice', invoiceId: id, period, currency: 'EUR' }).thenError('INVOICE.INVALID_PERIOD');
    });
    it.each(['EURO', 'eur', 'XXX', ''])('refuses the currency %p with MONEY.INVALID', (currency) => {
      given([]).when(create(currency)).thenError('MONEY.INVALID');
    });
    it('refuses to create it twice with INVOICE.ALREADY_EXISTS', () => {
      given(history(create())).when(create()).thenError('INVOICE.ALREADY_EXISTS');
    });
  });

  describe('when adding a line', () => {
    it('records the line total and the new invoice total as decimal strings and minor units', () => {
      given(history(create()))
        .when(line({ lineId: 'l1', quantity: '3', unitPrice: '19.99', cloudResource: { resourceType: 'vm', resourceId: 'vm-1' } }))
        .then([
          {
            type: 'InvoiceLineAdded',
            data: {
              lineId: 'l1',
              quantity: '3',
              unitPrice: '19.99',
              unitPriceMinor: 1999,
              amount: '59.97',
              amountMinor: 5997,
              total: '59.97',
              totalMinor: 5997,
              lineCount: 1,
              cloudResource: { resourceType: 'vm', resourceId: 'vm-1' },
            },
          },
        ]);
      given(draft)
        .when(line({ lineId: 'l2', quantity: '0.5', unitPrice: 1 }))
        .then([{ type: 'InvoiceLineAdded', data: { amount: '0.50', total: '20.50', totalMinor: 2050, lineCount: 2 } }]);
    });
    it.each([
      // quantity, unit price, currency, line total: half-even at the currency exponent
      ['0.5', '0.01', 'EUR', '0.00'],
      ['1.5', '0.01', 'EUR', '0.02'],
      ['2.5', '0.01', 'EUR', '0.02'],
      ['0.333', '1.00', 'EUR', '0.33'],
      ['0.335', '1.00', 'EUR', '0.34'],
      ['0.345', '1.00', 'EUR', '0.34'],
      ['0.3451', '1.00', 'EUR', '0.35'],
      ['2.5', '3', 'JPY', '8'],
      ['3.5', '3', 'JPY', '10'],
      ['0.0005', '1.000', 'BHD', '0.000'],
      ['0.0015', '1.000', 'BHD', '0.002'],
      ['1000000', '0.07', 'EUR', '70000.00'],
    ])('bills %s × %s %s as %s (rounded half to even)', (quantity, unitPrice, currency, amount) => {
      given(history(create(currency)))
        .when(line({ quantity, unitPrice }))
        .then([{ type: 'InvoiceLineAdded', data: { amount, quantity } }]);
    });
    it('never meets a float: 0.1 × 3 times adds up to exactly 0.30', () => {
      const events = history(
        create(),
        line({ quantity: '0.1', unitPrice: 1 }),
        line({ quantity: '0.1', unitPrice: 1 }),
        line({ quantity: '0.1', unitPrice: 1 }),
      );
      expect(invoiceView(replay(invoiceDecider, events))).toMatchObject({ total: '0.30', totalMinor: 30 });
    });
    it.each([[0], ['0.000'], [-1], ['abc'], ['1e3'], [Infinity], ['0.0000001'], ['1234567890'], [null]])(
      'refuses the quantity %p with QUANTITY.INVALID',
      (quantity) => {
        given(history(create())).when(line({ quantity })).thenError('QUANTITY.INVALID');
      },
    );
    it.each([[0], ['-1'], ['abc']])('refuses the unit price %p with MONEY.INVALID', (unitPrice) => {
      given(history(create())).when(line({ unitPrice })).thenError('MONEY.INVALID');
    });
    it('refuses a unit price more precise than the invoice currency with INVOICE.INVALID_AMOUNT', () => {
      given(history(create('JPY')))
        .when(line({ unitPrice: '1.5' }))
        .thenError('INVOICE.INVALID_AMOUNT');
      given(history(create()))
        .when(line({ unitPrice: '1.001' }))
        .thenError('INVOICE.INVALID_AMOUNT');
    });
    it('refuses an empty description with INVOICE.INVALID_LINE', () => {
      given(history(create()))
        .when(line({ description: ' ' }))
        .thenError('INVOICE.INVALID_LINE');
    });
    it('refuses a price in another currency with INVOICE.CURRENCY_MISMATCH', () => {
      given(history(create('EUR')))
        .when(line({ currency: 'USD' }))
        .thenError('INVOICE.CURRENCY_MISMATCH');
      given(history(create('EUR')))
        .when(line({ currency: 'EUR' }))
        .then([{ type: 'InvoiceLineAdded' }]);
    });
    it('refuses a second line with the same id with INVOICE.DUPLICATE_LINE', () => {
      given(draft)
        .when(line({ lineId: 'l1' }))
        .thenError('INVOICE.DUPLICATE_LINE');
    });
    it('refuses a line on an unknown invoice with INVOICE.NOT_FOUND', () => {
      given([]).when(line()).thenError('INVOICE.NOT_FOUND');
    });
    it('opens the invoice with the line when asked to and it does not exist yet', () => {
      given([])
        .when({
          kind: 'AddInvoiceLine',
          invoiceId: id,
          line: { lineId: 'l1', description: 'vm', quantity: 1, unitPrice: 5 },
          openIfMissing: { period: '2026-11', currency: 'EUR' },
        })
        .then([
          { type: 'InvoiceCreated', data: { period: '2026-11', currency: 'EUR' } },
          { type: 'InvoiceLineAdded', data: { amount: '5.00', totalMinor: 500 } },
        ]);
      given(draft)
        .when({
          kind: 'AddInvoiceLine',
          invoiceId: id,
          line: { lineId: 'l2', description: 'vm', quantity: 1, unitPrice: 5 },
          openIfMissing: { period: '2026-11', currency: 'EUR' },
        })
        .then([{ type: 'InvoiceLineAdded', data: { totalMinor: 2500 } }]);
    });
    it('refuses lines after issue with INVOICE.ALREADY_ISSUED, and on a voided invoice with INVOICE.VOIDED', () => {
      given(issued).when(line()).thenError('INVOICE.ALREADY_ISSUED');
      const voided = [...draft, ...invoiceDecider.decide({ kind: 'VoidInvoice', invoiceId: id }, replay(invoiceDecider, draft))];
      given(voided).when(line()).thenError('INVOICE.VOIDED');
    });
    it('refuses totals beyond exact integers with INVOICE.AMOUNT_TOO_LARGE', () => {
      given(history(create()))
        .when(line({ quantity: '999999999', unitPrice: '999999999999' }))
        .thenError('INVOICE.AMOUNT_TOO_LARGE');
    });
    it(`refuses more than ${MAX_LINES} lines with INVOICE.TOO_MANY_LINES`, () => {
      let state = replay(invoiceDecider, history(create()));
      for (let i = 0; i < MAX_LINES; i++) {
        for (const e of invoiceDecider.decide(
          { kind: 'AddInvoiceLine', invoiceId: id, line: { lineId: `l${i}`, description: 'x', quantity: 1, unitPrice: 1 } },
          state,
        )) {
          state = invoiceDecider.evolve(state, e);
        }
      }
      expect(() =>
        invoiceDecider.decide(
          { kind: 'AddInvoiceLine', invoiceId: id, line: { lineId: 'last', description: 'x', quantity: 1, unitPrice: 1 } },
          state,
        ),
      ).toThrow(expect.objectContaining({ code: 'INVOICE.TOO_MANY_LINES' }));
    });
  });

  describe('when issuing', () => {
    it('records InvoiceIssued with the total', () => {
      given(draft)
        .when(issue)
        .then([{ type: 'InvoiceIssued', data: { status: 'issued', total: '20.00', totalMinor: 2000, lineCount: 1, period: '2026-11' } }]);
    });
    it('refuses an empty invoice with INVOICE.EMPTY', () => {
      given(history(create())).when(issue).thenError('INVOICE.EMPTY');
    });
    it('refuses a second issue with INVOICE.ALREADY_ISSUED', () => {
      given(issued).when(issue).thenError('INVOICE.ALREADY_ISSUED');
    });
    it('refuses an unknown or voided invoice with INVOICE.NOT_FOUND and INVOICE.VOIDED', () => {
      given([]).when(issue).thenError('INVOICE.NOT_FOUND');
      given(history(create(), line(), { kind: 'VoidInvoice', invoiceId: id }))
        .when(issue)
        .thenError('INVOICE.VOIDED');
    });
  });

  describe('when voiding', () => {
    it('voids a draft or an issued invoice, keeping the reason', () => {
      given(draft)
        .when({ kind: 'VoidInvoice', invoiceId: id, reason: 'duplicate' })
        .then([{ type: 'InvoiceVoided', data: { status: 'voided', previousStatus: 'draft', reason: 'duplicate' } }]);
      given(issued)
        .when({ kind: 'VoidInvoice', invoiceId: id })
        .then([{ type: 'InvoiceVoided', data: { previousStatus: 'issued', totalMinor: 2000 } }]);
    });
    it('refuses a paid invoice with INVOICE.ALREADY_PAID and a partially paid one with INVOICE.HAS_PAYMENTS', () => {
      given(history(create(), line({ lineId: 'l1' }), issue, pay('p1', '20.00')))
        .when({ kind: 'VoidInvoice', invoiceId: id })
        .thenError('INVOICE.ALREADY_PAID');
      given(history(create(), line({ lineId: 'l1' }), issue, pay('p1', '5.00')))
        .when({ kind: 'VoidInvoice', invoiceId: id })
        .thenError('INVOICE.HAS_PAYMENTS');
    });
    it('refuses to void twice with INVOICE.VOIDED, and an unknown invoice with INVOICE.NOT_FOUND', () => {
      given(history(create(), { kind: 'VoidInvoice', invoiceId: id }))
        .when({ kind: 'VoidInvoice', invoiceId: id })
        .thenError('INVOICE.VOIDED');
      given([]).when({ kind: 'VoidInvoice', invoiceId: id }).thenError('INVOICE.NOT_FOUND');
    });
  });

  describe('when a payment names the invoice', () => {
    it('marks it partially paid, then paid, with exact running sums', () => {
      given(issued)
        .when(pay('p1', '5.50'))
        .then([
          {
            type: 'InvoicePaymentApplied',
            data: {
              paymentId: 'p1',
              amount: '5.50',
              amountMinor: 550,
              paid: '5.50',
              balance: '14.50',
              balanceMinor: 1450,
              status: 'partially_paid',
            },
          },
        ]);
      given(history(create(), line({ lineId: 'l1' }), issue, pay('p1', '5.50')))
        .when(pay('p2', '14.50'))
        .then([
          { type: 'InvoicePaymentApplied', data: { paid: '20.00', paidMinor: 2000, balance: '0.00', status: 'paid', total: '20.00' } },
        ]);
    });
    it('marks it paid on overpayment and records what was paid beyond the total', () => {
      given(issued)
        .when(pay('p1', 25))
        .then([{ type: 'InvoicePaymentApplied', data: { status: 'paid', overpaid: '5.00', overpaidMinor: 500, balance: '0.00' } }]);
    });
    it('records a payment in another currency as rejected with INVOICE.CURRENCY_MISMATCH, leaving the invoice unpaid', () => {
      given(issued)
        .when(pay('p1', '20.00', 'USD'))
        .then([
          {
            type: 'InvoicePaymentRejected',
            data: {
              paymentId: 'p1',
              reason: 'INVOICE.CURRENCY_MISMATCH',
              currency: 'USD',
              invoiceCurrency: 'EUR',
              amount: '20.00',
              invoiceStatus: 'issued',
            },
          },
        ]);
      const after = replay(invoiceDecider, history(create(), line({ lineId: 'l1' }), issue, pay('p1', '20.00', 'USD')));
      expect(after).toMatchObject({ status: 'issued', paidMinor: 0 });
    });
    it.each([
      { label: 'a draft', events: draft, reason: 'INVOICE.NOT_ISSUED' },
      {
        label: 'a voided invoice',
        events: history(create(), line({ lineId: 'l1' }), issue, { kind: 'VoidInvoice', invoiceId: id }),
        reason: 'INVOICE.VOIDED',
      },
      { label: 'a paid invoice', events: history(create(), line({ lineId: 'l1' }), issue, pay('p0', 20)), reason: 'INVOICE.ALREADY_PAID' },
    ])('records a payment of $label as rejected with $reason', ({ events, reason }) => {
      given(events)
        .when(pay('p1', 1))
        .then([{ type: 'InvoicePaymentRejected', data: { reason } }]);
    });
    it('looks at a payment once: applying or rejecting it again records nothing', () => {
      given(history(create(), line({ lineId: 'l1' }), issue, pay('p1', 5)))
        .when(pay('p1', 5))
        .thenNothing();
      given(history(create(), line({ lineId: 'l1' }), issue, pay('p1', 5, 'USD')))
        .when(pay('p1', 5, 'USD'))
        .thenNothing();
    });
    it('refuses a payment for an unknown invoice with INVOICE.NOT_FOUND', () => {
      given([]).when(pay('p1', 5)).thenError('INVOICE.NOT_FOUND');
    });
  });

  describe('billing periods', () => {
    it('are UTC calendar months', () => {
      expect(periodOf(new Date('2026-01-31T23:59:59.999Z'))).toBe('2026-01');
      expect(periodOf(new Date('2026-02-01T00:30:00+01:00'))).toBe('2026-01');
    });
  });
});
