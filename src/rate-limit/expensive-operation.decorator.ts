import { SetMetadata, type ExecutionContext } from '@nestjs/common';

export const EXPENSIVE_OPERATION_KEY = 'gyroscops:rate-limit:expensive';

/**
 * Counts the route against THROTTLE_EXPENSIVE_LIMIT (per caller and window) even when no global limit is set: for
 * requests whose cost does not scale with what the caller sends, such as a projection rebuild re-reading the whole log.
 */
export const ExpensiveOperation = (): ClassDecorator & MethodDecorator => SetMetadata(EXPENSIVE_OPERATION_KEY, true);

export function isExpensiveOperation(context: ExecutionContext): boolean {
  const onHandler: unknown = Reflect.getMetadata(EXPENSIVE_OPERATION_KEY, context.getHandler());
  const onClass: unknown = Reflect.getMetadata(EXPENSIVE_OPERATION_KEY, context.getClass());
  return onHandler === true || onClass === true;
}
