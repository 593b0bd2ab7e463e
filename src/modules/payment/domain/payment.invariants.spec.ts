import fc from 'fast-check';
import { DomainError, replay } from '@gyroscops/ddd';
import { paymentDecider, type PaymentCommand } from './payment.decider';
import type { PaymentEvent } from './payment.events';

const amount = fc.oneof(
  fc.integer({ min: -5, max: 20000 }),
  fc.double({ noNaN: false }),
  fc.constantFrom('0', '-1', '1e3', '10.001', 'abc', '', '  7 ', '999999999999999', '0.01', '12.5'),
  fc.nat({ max: 20000 }).map((n) => (n / 100).toFixed(2)),
);
const command: fc.Arbitrary<PaymentCommand> = fc.oneof(
  fc.record({
    kind: fc.constant('ProcessPayment' as const),
    paymentId: fc.constant('p'),
    amount,
    currency: fc.constantFrom('EUR', 'JPY', 'BHD', 'XXX', 'eur'),
  }),
  fc.record({ kind: fc.constant('RefundPayment' as const), paymentId: fc.constant('p'), amount }),
);

describe('Payment invariants under any sequence of commands', () => {
  it('never refunds more than was paid, never processes twice, keeps status consistent, and only fails with domain errors', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const events: PaymentEvent[] = [];
        for (const c of commands) {
          try {
            events.push(...paymentDecider.decide(c, replay(paymentDecider, events)));
          } catch (e) {
            expect(e).toBeInstanceOf(DomainError);
          }
          const s = replay(paymentDecider, events);
          expect(events.filter((e) => e.type === 'PaymentProcessed').length).toBeLessThanOrEqual(1);
          expect(s.refundedMinor).toBeLessThanOrEqual(s.amountMinor);
          expect(s.refundedMinor).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(s.amountMinor)).toBe(true);
          if (s.exists) expect(s.amountMinor).toBeGreaterThan(0);
          if (s.status === 'refunded') expect(s.refundedMinor).toBe(s.amountMinor);
          if (s.status === 'partially_refunded') expect(s.refundedMinor).toBeLessThan(s.amountMinor);
        }
      }),
      { numRuns: 300 },
    );
  });
});
