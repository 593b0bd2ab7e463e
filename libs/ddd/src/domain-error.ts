/**
 * A broken business rule. `code` is stable (`PAYMENT.REFUND_EXCEEDS_PAID`); the HTTP layer answers
 * `{ error: code, message, details }` with `httpStatus` (409 by default: the request conflicts with the state).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 409,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
