import type { IncomingMessage } from 'node:http';
import { context, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Params } from 'nestjs-pino';
import { RequestContextStore } from '@gyroscops/context';
import type { TracingConfig } from '../config/app-config';

export const TRACER_NAME = 'gyroscops';
/** Attribute carrying the request's correlation id on every span started while serving it. */
export const CORRELATION_ID_ATTRIBUTE = 'gyroscops.correlation_id';

/**
 * Stamps the correlation id of the request being served on every span that starts, ours and the Elasticsearch
 * client's alike (the client creates a span per round trip through the global OpenTelemetry API).
 */
class CorrelationIdProcessor implements SpanProcessor {
  onStart(span: Span): void {
    const correlationId = RequestContextStore.current()?.correlationId;
    if (correlationId) span.setAttribute(CORRELATION_ID_ATTRIBUTE, correlationId);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK globally (trace provider, AsyncLocalStorage context manager, W3C propagators) with a
 * batching OTLP/HTTP exporter, or `exporter` when given (tests). Off unless TRACING_ENABLED=true. One registration per
 * process: a second one while the first is live is refused.
 */
export function startTracing(config: TracingConfig, version: string, exporter?: SpanExporter): Tracing {
  if (active) throw new Error('tracing is already started in this process');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: version }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [
      new CorrelationIdProcessor(),
      new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` })),
    ],
  });
  provider.register();
  active = true;
  return {
    async shutdown() {
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
      active = false;
    },
  };
}

let active = false;

/** The incoming W3C trace context (`traceparent`) of a request, if any, on top of the active context. */
export function incomingContext(req: IncomingMessage): Context {
  return propagation.extract(context.active(), req.headers);
}

const traceIds = new WeakMap<IncomingMessage, string>();

/** Remembers a request's trace id for its access log line (written after the request's context is gone). */
export function rememberTraceId(req: IncomingMessage, traceId: string): void {
  traceIds.set(req, traceId);
}

/**
 * Adds `traceId`/`spanId` to log lines written inside a span, and `traceId` to each request's access line, on top
 * of the logger's own fields. Leaves the settings untouched when tracing is off.
 */
export function withTraceIds(params: Params, enabled: boolean): Params {
  if (!enabled || !params.pinoHttp) return params;
  const [options, destination] = Array.isArray(params.pinoHttp) ? params.pinoHttp : [params.pinoHttp, undefined];
  const base = options as {
    mixin?: (...args: unknown[]) => object;
    customSuccessObject?: (req: IncomingMessage, res: unknown, value: Record<string, unknown>) => Record<string, unknown>;
    customErrorObject?: (req: IncomingMessage, res: unknown, error: Error, value: Record<string, unknown>) => Record<string, unknown>;
  };
  const withIds: typeof base = {
    ...base,
    mixin: (...args: unknown[]) => {
      const own = base.mixin?.(...args) ?? {};
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { ...own, traceId: span.traceId, spanId: span.spanId } : own;
    },
    customSuccessObject: (req, res, value) => {
      const own = base.customSuccessObject ? base.customSuccessObject(req, res, value) : value;
      const traceId = traceIds.get(req);
      return traceId ? { ...own, traceId } : own;
    },
    customErrorObject: (req, res, error, value) => {
      const own = base.customErrorObject ? base.customErrorObject(req, res, error, value) : value;
      const traceId = traceIds.get(req);
      return traceId ? { ...own, traceId } : own;
    },
  };
  return { ...params, pinoHttp: (destination ? [withIds, destination] : withIds) as Params['pinoHttp'] };
}
