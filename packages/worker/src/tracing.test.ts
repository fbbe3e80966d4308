import { makeOutboxEvent } from '@dispatch/core/testing';
import { type Span, type SpanOptions, type Tracer, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { linkOf, withPublishSpan } from './tracing.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('linkOf', () => {
  it("links to the publisher's span from the event's traceparent", () => {
    const event = makeOutboxEvent({ extensions: { traceparent: TRACEPARENT } });
    expect(linkOf(event)).toEqual({
      context: {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        isRemote: true,
      },
      attributes: { 'messaging.message.id': event.id },
    });
  });

  it("carries the event's tracestate on the link", () => {
    const event = makeOutboxEvent({
      extensions: { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7' },
    });
    expect(linkOf(event)?.context.traceState?.get('rojo')).toBe('00f067aa0ba902b7');
  });

  it('ignores missing, malformed and all-zero trace contexts', () => {
    for (const traceparent of [undefined, 'garbage', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`, 42]) {
      const extensions = traceparent === undefined ? {} : { traceparent };
      expect(linkOf(makeOutboxEvent({ extensions }))).toBeUndefined();
    }
  });
});

describe('withPublishSpan', () => {
  it('runs the publish in a producer span linked to every traced event', async () => {
    const started: { name: string; options: SpanOptions; ended: boolean }[] = [];
    const noop = trace.getTracer('test');
    const tracer = {
      startActiveSpan(name: string, options: SpanOptions, fn: (span: Span) => unknown) {
        const record = { name, options, ended: false };
        started.push(record);
        const span = noop.startSpan(name);
        const end = span.end.bind(span);
        span.end = () => {
          record.ended = true;
          end();
        };
        return fn(span);
      },
    } as unknown as Tracer;
    const events = [makeOutboxEvent({ extensions: { traceparent: TRACEPARENT } }), makeOutboxEvent()];
    const outcomes = events.map((event) => ({ id: event.id, ok: true as const }));
    expect(await withPublishSpan(tracer, 'default', events, async () => outcomes)).toBe(outcomes);
    expect(started).toHaveLength(1);
    expect(started[0]?.name).toBe('publish default');
    expect(started[0]?.options.links).toHaveLength(1);
    expect(started[0]?.options.attributes?.['messaging.batch.message_count']).toBe(2);
    expect(started[0]?.ended).toBe(true);
  });
});
