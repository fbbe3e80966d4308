import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatch } from '../src/index.js';
import { memoryStore } from '../src/testing/index.js';
import { recordingBackend } from './helpers.js';

describe('trace context', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });

  const setup = () =>
    createDispatch({
      OUTBOX_PUBLISHERS: { default: { BACKEND: recordingBackend().definition } },
      OUTBOX_STORE: { STORE: memoryStore },
      LOGGING: { LEVEL: 'silent' },
    });
  const spanContext = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
  };

  it('stores the active W3C trace context with the event (CloudEvents distributed tracing)', async () => {
    const dispatch = await setup();
    const event = await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () =>
      dispatch.publisher.publishEvent({ eventType: 't', source: 's' }),
    );
    expect(event.extensions.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect((await dispatch.store.get(event.id))?.extensions.traceparent).toBe(event.extensions.traceparent);
  });

  it('adds nothing outside a trace, and keeps an explicit traceparent', async () => {
    const dispatch = await setup();
    const plain = await dispatch.publisher.publishEvent({ eventType: 't', source: 's' });
    expect(plain.extensions).toEqual({});
    const explicit = await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () =>
      dispatch.publisher.publishEvent({ eventType: 't', source: 's', extensions: { traceparent: 'mine' } }),
    );
    expect(explicit.extensions.traceparent).toBe('mine');
  });
});
