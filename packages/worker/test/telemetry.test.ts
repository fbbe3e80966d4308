import {
  type Attributes,
  context,
  createTraceState,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SIZE_BUCKETS, PUBLISH_DURATION_BUCKETS } from '../src/metrics.js';
import { Worker } from '../src/worker.js';
import { type Harness, harness } from './helpers.js';

// A remote parent with a tracestate, as an incoming request would carry it.
const INCOMING = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: 1,
  isRemote: true,
  traceState: createTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
};

interface Telemetry {
  spans: InMemorySpanExporter;
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  reader: PeriodicExportingMetricReader;
  metrics: InMemoryMetricExporter;
}

function telemetry(): Telemetry {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exported only on forceFlush: the interval is longer than any test.
  const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { spans, tracerProvider, meterProvider, reader, metrics };
}

async function collect(t: Telemetry): Promise<Map<string, MetricData>> {
  await t.reader.forceFlush();
  const exported = t.metrics.getMetrics();
  const latest = exported[exported.length - 1];
  const byName = new Map<string, MetricData>();
  for (const scope of latest?.scopeMetrics ?? []) {
    expect(scope.scope.name).toBe('@dispatch/worker');
    for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  }
  return byName;
}

function metric(all: Map<string, MetricData>, name: string): MetricData {
  const found = all.get(name);
  if (!found) throw new Error(`no metric ${name}; have ${[...all.keys()].join(', ')}`);
  return found;
}

/** The value of the data point with exactly these attributes. */
function point(data: MetricData, attributes: Attributes): unknown {
  const found = data.dataPoints.find(
    (p) => JSON.stringify(sorted(p.attributes)) === JSON.stringify(sorted(attributes)),
  );
  if (!found) {
    const have = data.dataPoints.map((p) => JSON.stringify(p.attributes)).join(' ');
    throw new Error(`no point ${JSON.stringify(attributes)} in ${data.descriptor.name}: ${have}`);
  }
  return found.value;
}

const sorted = (attributes: Attributes) =>
  Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : 1)));

function publishSpans(t: Telemetry): ReadableSpan[] {
  return t.spans.getFinishedSpans().filter((span) => span.name.startsWith('publish '));
}

describe('telemetry with the OpenTelemetry SDK', () => {
  let t: Telemetry;
  let h: Harness;

  beforeAll(() => {
    // Lets `startActiveSpan` make its span the active one across awaits, as an SDK setup does.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    context.disable();
  });
  afterEach(async () => {
    await t.meterProvider.shutdown();
    await t.tracerProvider.shutdown();
    await h.dispatch.close();
  });

  const worker = () =>
    new Worker(h.dispatch, {
      tracer: t.tracerProvider.getTracer('@dispatch/worker'),
      meter: t.meterProvider.getMeter('@dispatch/worker'),
    });

  it('publishes in a producer span linked to the stored trace context, and counts it', async () => {
    t = telemetry();
    h = await harness();
    const shop = t.tracerProvider.getTracer('shop');
    // The producer's span: the event published inside it stores its traceparent and tracestate.
    const [traced] = await context.with(trace.setSpanContext(ROOT_CONTEXT, INCOMING), () =>
      shop.startActiveSpan('POST /orders', async (span) => {
        try {
          return await h.publish(1);
        } finally {
          span.end();
        }
      }),
    );
    const [untraced] = await h.publish(1, { eventType: 'order.paid' });
    const producer = t.spans.getFinishedSpans().find((span) => span.name === 'POST /orders');
    if (!producer || !traced || !untraced) throw new Error('setup failed');
    const stored = h.row(traced);
    expect(stored.extensions.traceparent).toBe(
      `00-${producer.spanContext().traceId}-${producer.spanContext().spanId}-01`,
    );
    expect(stored.extensions.tracestate).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect(h.row(untraced).extensions.traceparent).toBeUndefined();

    const report = await worker().runOnce();
    expect(report.published).toBe(2);

    const [span, ...others] = publishSpans(t);
    expect(others).toHaveLength(0);
    if (!span) throw new Error('no publish span');
    expect(span.name).toBe('publish default');
    expect(span.kind).toBe(SpanKind.PRODUCER);
    expect(span.instrumentationScope.name).toBe('@dispatch/worker');
    expect(span.attributes).toEqual({
      'messaging.system': 'dispatch',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.batch.message_count': 2,
      'dispatch.backend': 'default',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toHaveLength(0);
    // Linked, not parented: the worker's trace is its own.
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe(producer.spanContext().traceId);
    expect(span.links).toHaveLength(1);
    const [link] = span.links;
    expect(link?.context.traceId).toBe(producer.spanContext().traceId);
    expect(link?.context.spanId).toBe(producer.spanContext().spanId);
    expect(link?.context.traceId).toBe(INCOMING.traceId);
    expect(link?.context.traceFlags).toBe(1);
    expect(link?.context.isRemote).toBe(true);
    expect(link?.context.traceState?.serialize()).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    expect(link?.attributes).toEqual({ 'messaging.message.id': traced });

    const all = await collect(t);
    const published = metric(all, 'dispatch.events.published');
    expect(published.descriptor.unit).toBe('{event}');
    expect(published.dataPointType).toBe(DataPointType.SUM);
    expect(point(published, { 'dispatch.backend': 'default', 'dispatch.event_type': 'order.created' })).toBe(
      1,
    );
    expect(point(published, { 'dispatch.backend': 'default', 'dispatch.event_type': 'order.paid' })).toBe(1);

    const duration = metric(all, 'dispatch.publish.duration');
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const latency = point(duration, { 'dispatch.backend': 'default' }) as Histogram;
    expect(latency.count).toBe(1);
    expect(latency.buckets.boundaries).toEqual(PUBLISH_DURATION_BUCKETS);
    expect(latency.buckets.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(latency.sum).toBeGreaterThan(0);
    expect(latency.sum).toBeLessThan(5);

    const batch = metric(all, 'dispatch.batch.size');
    expect(batch.descriptor.unit).toBe('{event}');
    const sizes = point(batch, {}) as Histogram;
    expect(sizes).toMatchObject({ count: 1, sum: 2 });
    expect(sizes.buckets.boundaries).toEqual(BATCH_SIZE_BUCKETS);

    const up = metric(all, 'dispatch.backend.up');
    expect(up.dataPointType).toBe(DataPointType.GAUGE);
    expect(point(up, { 'dispatch.backend': 'default' })).toBe(1);
    // No event was retried, failed or released: those counters have no series yet.
    for (const name of ['dispatch.events.retried', 'dispatch.events.failed', 'dispatch.events.released'])
      expect(all.get(name)?.dataPoints ?? []).toHaveLength(0);
  });

  it('marks the span failed and counts retried and failed events with their labels', async () => {
    t = telemetry();
    h = await harness({ OUTBOX_WORKER: { MAX_RETRIES: 3 } });
    const [rejected, retried, exhausted, ok] = [
      ...(await h.publish(2)),
      ...(await h.publish(1, { maxRetries: 0 })),
      ...(await h.publish(1, { eventType: 'order.paid' })),
    ];
    h.broker.rejectWhen((event) => event.id === rejected, 'no such stream');
    h.broker.failNext(2, { match: (event) => event.id === retried || event.id === exhausted });
    const report = await worker().runOnce();
    expect(report).toMatchObject({ published: 1, retried: 1, failed: 2 });

    const [span] = publishSpans(t);
    expect(span?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: '3 of 4 events not published (rejected)',
    });
    expect(span?.attributes).toMatchObject({
      'messaging.batch.message_count': 4,
      'dispatch.publish.failed_count': 3,
      'error.type': 'rejected',
    });
    expect(span?.links).toHaveLength(0);

    const all = await collect(t);
    const retriedCounter = metric(all, 'dispatch.events.retried');
    expect(retriedCounter.descriptor.unit).toBe('{event}');
    expect(retriedCounter.dataPoints).toHaveLength(1);
    expect(
      point(retriedCounter, { 'dispatch.backend': 'default', 'dispatch.event_type': 'order.created' }),
    ).toBe(1);
    const failedCounter = metric(all, 'dispatch.events.failed');
    expect(failedCounter.descriptor.unit).toBe('{event}');
    const failedLabels = { 'dispatch.backend': 'default', 'dispatch.event_type': 'order.created' };
    expect(point(failedCounter, { ...failedLabels, 'dispatch.reason': 'rejected' })).toBe(1);
    expect(point(failedCounter, { ...failedLabels, 'dispatch.reason': 'exhausted' })).toBe(1);
    expect(
      point(metric(all, 'dispatch.events.published'), {
        'dispatch.backend': 'default',
        'dispatch.event_type': 'order.paid',
      }),
    ).toBe(1);

    // No data point carries an event id or anything else from an event.
    const ids = new Set([rejected, retried, exhausted, ok]);
    for (const data of all.values())
      for (const p of data.dataPoints)
        for (const value of Object.values(p.attributes)) expect(ids.has(value as string)).toBe(false);
  });

  it('releases events of an unavailable backend: error span, released count, backend down', async () => {
    t = telemetry();
    h = await harness();
    await h.publish(2);
    h.broker.setUnavailable('connection refused');
    const w = worker();
    const report = await w.runOnce();
    expect(report.released).toBe(2);
    w.metrics.storeStats(await h.dispatch.store.stats());

    const [span] = publishSpans(t);
    expect(span?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: '2 of 2 events not published (unavailable)',
    });
    expect(span?.attributes['error.type']).toBe('unavailable');

    const all = await collect(t);
    const released = metric(all, 'dispatch.events.released');
    expect(released.descriptor.unit).toBe('{event}');
    expect(point(released, { 'dispatch.backend': 'default', 'dispatch.reason': 'backend_unavailable' })).toBe(
      2,
    );
    expect(point(metric(all, 'dispatch.backend.up'), { 'dispatch.backend': 'default' })).toBe(0);
    const backlog = metric(all, 'dispatch.backlog');
    expect(backlog.descriptor.unit).toBe('{event}');
    expect(point(backlog, {})).toBe(2);
    expect(metric(all, 'dispatch.oldest_pending_age').descriptor.unit).toBe('s');
    expect(point(metric(all, 'dispatch.in_flight'), {})).toBe(0);
  });
});
