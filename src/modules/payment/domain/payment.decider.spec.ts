import { replay } from '@gyroscops/ddd';
import { givenWhenThen } from '@gyroscops/ddd/testing';
import { paymentDecider } from './payment.decider';
import type { PaymentEvent } from './payment.events';

const given = givenWhenThen(paymentDecider);

const processed: PaymentEvent = {
  type: 'PaymentProcessed',
  data: { paymentId: 'p1', amount: '100.00', amountMinor: 10000, currency: 'EUR', status: 'completed' },
};

describe('Payment decider', () => {
  describe('when processing a new payment', () => {
    it.each([
      [100, 'EUR', '100.00', 10000],
      [100.5, 'EUR', '100.50', 10050],
      ['100.00', 'EUR', '100.00', 10000],
      ['100.0', 'EUR', '100.00', 10000],
      ['1500', 'JPY', '1500', 1500],
      ['1.234', 'BHD', '1.234', 1234],
    ])('records PaymentProcessed for %p %s as a decimal string and minor units', (amount, currency, text, minor) => {
      given([])
        .when({ kind: 'ProcessPayment', paymentId: 'p1', amount, currency })
        .then([{ type: 'PaymentProcessed', data: { paymentId: 'p1', amount: text, amountMinor: minor, currency, status: 'completed' } }]);
    });
    it.each([[-1], [0], ['abc'], [Infinity], ['1e5'], ['100.001'], [null], ['1.5']])(
      'refuses the amount %p with MONEY.INVALID',
      (amount) => {
        given([])
          .when({ kind: 'ProcessPayment', paymentId: 'p1', amount, currency: amount === '1.5' ? 'JPY' : 'EUR' })
          .thenError('MONEY.INVALID');
      },
    );
    it.each(['EURO', 'eur', 'ZZZ', 'XXX', ''])('refuses the currency %p with MONEY.INVALID', (currency) => {
      given([]).when({ kind: 'ProcessPayment', paymentId: 'p1', amount: 1, currency }).thenError('MONEY.INVALID');
    });
    it('keeps the invoice id', () => {
      given([])
        .when({ kind: 'ProcessPayment', paymentId: 'p1', amount: 1, currency: 'EUR', invoiceId: 'inv-1' })
        .then([{ type: 'PaymentProcessed', data: { invoiceId: 'inv-1' } as never }]);
    });
  });
  describe('when the payment was already processed', () => {
    it('refuses with PAYMENT.ALREADY_PROCESSED', () => {
      given([processed])
        .when({ kind: 'ProcessPayment', paymentId: 'p1', amount: 1, currency: 'EUR' })
        .thenError('PAYMENT.ALREADY_PROCESSED');
    });
  });
  describe('when refunding', () => {
    it('records a partial then a full refund', () => {
      given([processed])
        .when({ kind: 'RefundPayment', paymentId: 'p1', amount: '40' })
        .then([{ type: 'PaymentRefunded', data: { amount: '40.00', refundedTotal: '40.00', status: 'partially_refunded' } as never }]);
      const partial = paymentDecider.decide({ kind: 'RefundPayment', paymentId: 'p1', amount: '40' }, replay(paymentDecider, [processed]));
      given([processed, ...partial])
        .when({ kind: 'RefundPayment', paymentId: 'p1', amount: 60 })
        .then([{ type: 'PaymentRefunded', data: { refundedTotal: '100.00', refundedTotalMinor: 10000, status: 'refunded' } as never }]);
    });
    it('refuses a refund above what is left with PAYMENT.REFUND_EXCEEDS_PAID', () => {
      given([processed]).when({ kind: 'RefundPayment', paymentId: 'p1', amount: '100.01' }).thenError('PAYMENT.REFUND_EXCEEDS_PAID');
    });
    it('refuses refunds of unknown or fully refunded payments', () => {
      given([]).when({ kind: 'RefundPayment', paymentId: 'p1', amount: 1 }).thenError('PAYMENT.NOT_FOUND');
      const full = paymentDecider.decide({ kind: 'RefundPayment', paymentId: 'p1', amount: 100 }, replay(paymentDecider, [processed]));
      given([processed, ...full])
        .when({ kind: 'RefundPayment', paymentId: 'p1', amount: 1 })
        .thenError('PAYMENT.ALREADY_REFUNDED');
    });
    it('reads the refund amount with the payment currency precision', () => {
      given([processed]).when({ kind: 'RefundPayment', paymentId: 'p1', amount: '1.001' }).thenError('PAYMENT.INVALID_AMOUNT');
    });
  });
});
