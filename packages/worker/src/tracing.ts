import type { OutboxEvent, PublishOutcome } from '@dispatch/core';
import {
  type Attributes,
  createTraceState,
  type Link,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = /^0+$/;

/** More links than this per span are dropped (SDKs cap them at 128 by default anyway). */
export const MAX_LINKS = 128;

/** The span attributes of a publish span, by name (the README lists the same). */
export const SPAN_ATTRIBUTES = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageCount: 'messaging.batch.message_count',
  /** The publisher's name; the attribute keeps its documented name. */
  backend: 'dispatch.backend',
  failedCount: 'dispatch.publish.failed_count',
  errorType: 'error.type',
  /** On each link: the id of the event whose publisher the link points to. */
  linkMessageId: 'messaging.message.id',
} as const;

/**
 * The span context in an event's `traceparent` extension (stored at `publishEvent` time), with its
 * `tracestate` if it has one, or undefined when there is no valid `traceparent`.
 */
export function linkOf(event: OutboxEvent): Link | undefined {
  const header = event.extensions.traceparent;
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match || match[1] === 'ff' || ZERO_TRACE.test(match[2] ?? '') || ZERO_TRACE.test(match[3] ?? ''))
    return undefined;
  const state = event.extensions.tracestate;
  return {
    context: {
      traceId: match[2] as string,
      spanId: match[3] as string,
      traceFlags: Number.parseInt(match[4] as string, 16),
      isRemote: true,
      ...(typeof state === 'string' && state.trim() !== '' ? { traceState: createTraceState(state) } : {}),
    },
    attributes: { [SPAN_ATTRIBUTES.linkMessageId]: event.id },
  };
}

export function defaultTracer(): Tracer {
  return trace.getTracer('@dispatch/worker');
}

/**
 * The failure attributes for a publish whose backend answered with some events not written:
 * how many, and the kind of the first failure (`rejected`, `retryable` or `unavailable`).
 */
function failureOf(
  outcomes: readonly (PublishOutcome | undefined)[],
  expected: number,
): Attributes | undefined {
  let failed = Math.max(0, expected - outcomes.length);
  let kind: string | undefined = failed > 0 ? 'retryable' : undefined;
  // An event with no outcome was not sent (an earlier one of its key failed): not written either.
  for (const outcome of outcomes) {
    if (outcome?.ok) continue;
    failed += 1;
    kind ??= outcome?.failure;
  }
  if (failed === 0) return undefined;
  return { [SPAN_ATTRIBUTES.failedCount]: failed, [SPAN_ATTRIBUTES.errorType]: kind ?? 'retryable' };
}

/**
 * Run one backend publish inside a producer span linked to the trace of each event's publisher,
 * so a trace shows the request that wrote the event and, linked, the worker that sent it. The span
 * ends with status error when the publish threw or the backend did not write every event.
 */
export async function withPublishSpan(
  tracer: Tracer,
  publisher: string,
  events: readonly OutboxEvent[],
  work: () => Promise<(PublishOutcome | undefined)[]>,
): Promise<(PublishOutcome | undefined)[]> {
  const links: Link[] = [];
  for (const event of events) {
    if (links.length >= MAX_LINKS) break;
    const link = linkOf(event);
    if (link) links.push(link);
  }
  return tracer.startActiveSpan(
    `publish ${publisher}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        [SPAN_ATTRIBUTES.system]: 'dispatch',
        [SPAN_ATTRIBUTES.operationType]: 'send',
        [SPAN_ATTRIBUTES.operationName]: 'publish',
        [SPAN_ATTRIBUTES.messageCount]: events.length,
        [SPAN_ATTRIBUTES.backend]: publisher,
      },
    },
    async (span) => {
      try {
        const outcomes = await work();
        const failure = failureOf(outcomes, events.length);
        if (failure) {
          span.setAttributes(failure);
          // The count and kind only: backend error texts can quote event data.
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: `${failure[SPAN_ATTRIBUTES.failedCount]} of ${events.length} events not published (${failure[SPAN_ATTRIBUTES.errorType]})`,
          });
        }
        return outcomes;
      } catch (error) {
        const err = error as Error;
        span.recordException(err);
        span.setAttributes({
          [SPAN_ATTRIBUTES.failedCount]: events.length,
          [SPAN_ATTRIBUTES.errorType]: err?.name || 'Error',
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: err?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
