import type { ScalarValue } from './event.js';

type OtelApi = typeof import('@opentelemetry/api');

/** Reads the active W3C trace context, or nothing when OpenTelemetry's API is not installed. */
export type TraceContextReader = () => { traceparent: string; tracestate?: string } | undefined;

/**
 * Load `@opentelemetry/api` if the application has it (it is an optional peer dependency). Without
 * a registered SDK there is never an active span, so this costs one lookup per publish.
 */
export async function loadTraceContextReader(): Promise<TraceContextReader> {
  let api: OtelApi;
  try {
    api = await import('@opentelemetry/api');
  } catch {
    return () => undefined;
  }
  return () => {
    const span = api.trace.getSpan(api.context.active());
    if (!span) return undefined;
    const context = span.spanContext();
    if (!api.isSpanContextValid(context)) return undefined;
    const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
    const traceparent = `00-${context.traceId}-${context.spanId}-${flags}`;
    const tracestate = context.traceState?.serialize();
    return tracestate ? { traceparent, tracestate } : { traceparent };
  };
}

/**
 * The CloudEvents distributed-tracing extension: the publisher's trace context travels with the
 * event so the worker's publish span can link to it. An explicit `traceparent` extension wins.
 */
export function withTraceContext(
  extensions: Record<string, ScalarValue>,
  read: TraceContextReader,
): Record<string, ScalarValue> {
  if (extensions.traceparent !== undefined) return extensions;
  const context = read();
  return context ? { ...extensions, ...context } : extensions;
}
