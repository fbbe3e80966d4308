import type { OutboxEvent } from '@dispatch/core';
import { type Link, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = /^0+$/;

/** More links than this per span are dropped (SDKs cap them at 128 by default anyway). */
export const MAX_LINKS = 128;

/** The span context in an event's `traceparent` extension (stored at `publishEvent` time), if valid. */
export function linkOf(event: OutboxEvent): Link | undefined {
  const header = event.extensions.traceparent;
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match || match[1] === 'ff' || ZERO_TRACE.test(match[2] ?? '') || ZERO_TRACE.test(match[3] ?? ''))
    return undefined;
  return {
    context: {
      traceId: match[2] as string,
      spanId: match[3] as string,
      traceFlags: Number.parseInt(match[4] as string, 16),
      isRemote: true,
    },
    attributes: { 'messaging.message.id': event.id },
  };
}

export function defaultTracer(): Tracer {
  return trace.getTracer('@dispatch/worker');
}

/**
 * Run one backend publish inside a producer span linked to the trace of each event's publisher,
 * so a trace shows the request that wrote the event and, linked, the worker that sent it.
 */
export async function withPublishSpan<T>(
  tracer: Tracer,
  backend: string,
  events: readonly OutboxEvent[],
  work: () => Promise<T>,
): Promise<T> {
  const links: Link[] = [];
  for (const event of events) {
    if (links.length >= MAX_LINKS) break;
    const link = linkOf(event);
    if (link) links.push(link);
  }
  return tracer.startActiveSpan(
    `publish ${backend}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        'messaging.system': 'dispatch',
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': events.length,
        'dispatch.backend': backend,
      },
    },
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
