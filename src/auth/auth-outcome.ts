import { bearerTokenOf, TokenRejectedError, type Caller, type JwtVerifier } from './jwt-verifier';

/** What the request's Authorization header proved, decided once per request before any route runs. */
export type AuthOutcome =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'authenticated'; readonly caller: Caller }
  | { readonly kind: 'rejected'; readonly reason: string };

const ANONYMOUS: AuthOutcome = { kind: 'anonymous' };
// Keyed by the raw Node request, which Fastify, middleware and Nest all see as the same object.
const outcomes = new WeakMap<object, AuthOutcome>();

export function authenticate(authorization: string | string[] | undefined, verifier: JwtVerifier): AuthOutcome {
  try {
    const token = bearerTokenOf(authorization);
    return token === null ? ANONYMOUS : { kind: 'authenticated', caller: verifier.verify(token) };
  } catch (error) {
    if (error instanceof TokenRejectedError) return { kind: 'rejected', reason: error.message };
    throw error;
  }
}

export function recordAuthOutcome(rawRequest: object, outcome: AuthOutcome): void {
  outcomes.set(rawRequest, outcome);
}

/** The recorded outcome; anonymous when the request went through no authentication. */
export function authOutcomeOf(rawRequest: object): AuthOutcome {
  return outcomes.get(rawRequest) ?? ANONYMOUS;
}
