import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { toErrorResponse } from './error-response';

/** The one exception filter: every error becomes `{ error, message, details? }` with its status. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = toErrorResponse(exception);
    if (response.log === 'error') {
      this.logger.error(exception instanceof Error ? exception : new Error(String(exception)), 'Unhandled error');
    } else if (response.log === 'warn') {
      this.logger.warn(`${response.body.error}: ${exception instanceof Error ? exception.message : String(exception)}`);
    }
    if (host.getType() !== 'http') return;

    const { httpAdapter } = this.adapterHost;
    const reply: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(reply)) return;
    for (const [name, value] of Object.entries(response.headers ?? {})) httpAdapter.setHeader(reply, name, value);
    httpAdapter.reply(reply, response.body, response.status);
  }
}
