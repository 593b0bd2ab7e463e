import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

/** Error answers of one operation, by status, each in the shared `Error` shape: `@ApiErrors({ 404: 'INVOICE.NOT_FOUND' })`. */
export function ApiErrors(
  responses: Record<number, string>,
  type: new (...args: never[]) => ErrorResponseDto = ErrorResponseDto,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(responses).map(([status, description]) => ApiResponse({ status: Number(status), description, type })),
  );
}
