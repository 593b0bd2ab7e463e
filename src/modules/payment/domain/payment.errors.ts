import { DomainError } from '@gyroscops/ddd';

export class PaymentError extends DomainError {}

export const PaymentErrors = {
  alreadyProcessed: (id: string) => new PaymentError('PAYMENT.ALREADY_PROCESSED', `Payment ${id} has already been processed`, 409),
  notFound: (id: string) => new PaymentError('PAYMENT.NOT_FOUND', `Payment ${id} not found`, 404),
  notFoundAt: (id: string, at: Date) => new PaymentError('PAYMENT.NOT_FOUND', `Payment ${id} did not exist at ${at.toISOString()}`, 404),
  refundExceedsPaid: (id: string, requested: string, refundable: string, currency: string) =>
    new PaymentError(
      'PAYMENT.REFUND_EXCEEDS_PAID',
      `Refund of ${requested} ${currency} exceeds the ${refundable} ${currency} still refundable on ${id}`,
      409,
      {
        requested,
        refundable,
        currency,
      },
    ),
  invalidAmount: (id: string, currency: string, exponent: number) =>
    new PaymentError('PAYMENT.INVALID_AMOUNT', `Payment ${id} is in ${currency}, which has ${exponent} decimals`, 409, [
      { field: 'amount', message: `at most ${exponent} decimals in ${currency}`, currency, decimals: exponent },
    ]),
  fullyRefunded: (id: string) => new PaymentError('PAYMENT.ALREADY_REFUNDED', `Payment ${id} is fully refunded`, 409),
};
