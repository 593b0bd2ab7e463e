import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { DomainError, replay, type Decider, type DomainEvent } from '@gyroscops/ddd';

/** The caller of unit tests: a writer of org-a calling the API, with a correlation id and no cause yet. */
export const TEST_CALLER: Readonly<RequestContext> = Object.freeze<RequestContext>({
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
});

/** What TEST_CALLER may read. */
export const TEST_SCOPE = Object.freeze({ organizationId: 'org-a', isAdmin: false });

/** Runs `fn` as TEST_CALLER, with any of its fields replaced: `const run = runAs(); await run(() => …)`. */
export function runAs(overrides: Partial<RequestContext> = {}): <T>(fn: () => Promise<T>) => Promise<T> {
  const ctx: RequestContext = { ...TEST_CALLER, ...overrides };
  return (fn) => RequestContextStore.run(ctx, fn);
}

/** An event expected by `then`: its type, and the data fields that matter (others are not compared). */
export interface ExpectedEvent<E extends DomainEvent> {
  type: E['type'];
  data?: object;
}

/**
 * Given past events, when a command, then events, nothing, or a DomainError's code: the decider alone, no store.
 * `const given = givenWhenThen(paymentDecider); given([processed]).when(refund).then([{ type: 'PaymentRefunded' }])`.
 */
export function givenWhenThen<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return (events: readonly E[]) => ({
    when: (command: C) => {
      const run = (): E[] => decider.decide(command, replay(decider, events));
      return {
        run,
        then: (expected: ExpectedEvent<E>[]) =>
          expect(run()).toEqual(
            expected.map((e) => expect.objectContaining({ type: e.type, data: expect.objectContaining(e.data ?? {}) })),
          ),
        thenNothing: () => expect(run()).toEqual([]),
        thenError: (code: string) => {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
        },
      };
    },
  });
}
