import type { StoreStats } from '@dispatch/core';
import { type Attributes, type Counter, type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { KEY_HELD, KEY_ON_OTHER_PUBLISHER } from './key-runs.js';
import { processMetrics } from './metrics-process.js';
import { type FamilySpec, type Labels, PrometheusRegistry } from './metrics-prometheus.js';

/** Bucket bounds of `dispatch_publish_duration_seconds`: 5 ms to 30 s. */
export const PUBLISH_DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** Bucket bounds of `dispatch_batch_size`: one event up to `BATCH_SIZE`'s limit of 10,000. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [
  1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/** Why events were given back, as the `reason` label of `dispatch_events_released_total`. */
export type ReleaseReason =
  | 'shutdown'
  | 'backend_unavailable'
  | 'backend_not_configured'
  | 'key_held'
  | 'key_on_other_backend'
  | 'other';

const FAMILIES: Record<string, FamilySpec> = {
  dispatch_events_published_total: { type: 'counter', help: 'Events the backend accepted.' },
  dispatch_events_retried_total: { type: 'counter', help: 'Failed attempts scheduled for a retry.' },
  dispatch_events_failed_total: {
    type: 'counter',
    help: 'Events marked failed (rejected or out of retries).',
  },
  dispatch_events_released_total: {
    type: 'counter',
    help: 'Events given back without using an attempt.',
  },
  dispatch_publish_duration_seconds: {
    type: 'histogram',
    help: 'Duration of one backend publish call, in seconds.',
    buckets: PUBLISH_DURATION_BUCKETS,
  },
  dispatch_batch_size: { type: 'histogram', help: 'Events per claimed batch.', buckets: BATCH_SIZE_BUCKETS },
  dispatch_backlog: { type: 'gauge', help: 'Pending and retry events (from the last stats poll).' },
  dispatch_oldest_pending_age_seconds: {
    type: 'gauge',
    help: 'Age of the oldest due event, in seconds (from the last stats poll).',
  },
  dispatch_in_flight: {
    type: 'gauge',
    help: 'Events under a live lease, any worker (from the last stats poll).',
  },
  dispatch_backend_up: {
    type: 'gauge',
    help: '1 while the backend takes writes, 0 while the worker has it paused.',
  },
};

/** The free-text reason of a released outcome, as one of a few label values. */
export function releaseReason(reason: string): ReleaseReason {
  if (reason === 'shutdown') return 'shutdown';
  if (reason === 'backend unavailable') return 'backend_unavailable';
  if (reason === KEY_HELD) return 'key_held';
  if (reason === KEY_ON_OTHER_PUBLISHER) return 'key_on_other_backend';
  if (/^publisher ".*" is not configured in this worker$/.test(reason)) return 'backend_not_configured';
  return 'other';
}

/**
 * The worker's metrics, twice: through `@opentelemetry/api` (a no-op until the application
 * registers an SDK) and as a registry of its own for `dispatch worker --metrics-port`, which needs
 * no SDK. Labels carry publisher names, event types and fixed reasons only, never event data. The
 * publisher's label keeps its documented name, `backend` (`dispatch.backend`), which dashboards
 * and alerts query.
 */
export class WorkerMetrics {
  readonly #registry = new PrometheusRegistry(FAMILIES);
  readonly #otel: {
    published: Counter;
    retried: Counter;
    failed: Counter;
    released: Counter;
    duration: Histogram;
    batch: Histogram;
  };

  constructor(meter: Meter = metrics.getMeter('@dispatch/worker')) {
    const events = (name: string, description: string) =>
      meter.createCounter(`dispatch.events.${name}`, { description, unit: '{event}' });
    this.#otel = {
      published: events('published', 'Events the backend accepted.'),
      retried: events('retried', 'Failed attempts scheduled for a retry.'),
      failed: events('failed', 'Events marked failed (rejected or out of retries).'),
      released: events('released', 'Events given back without using an attempt.'),
      duration: meter.createHistogram('dispatch.publish.duration', {
        description: 'Duration of one backend publish call.',
        unit: 's',
        advice: { explicitBucketBoundaries: [...PUBLISH_DURATION_BUCKETS] },
      }),
      batch: meter.createHistogram('dispatch.batch.size', {
        description: 'Events per claimed batch.',
        unit: '{event}',
        advice: { explicitBucketBoundaries: [...BATCH_SIZE_BUCKETS] },
      }),
    };
    const gauges: [otel: string, prometheus: string, description: string, unit: string][] = [
      ['dispatch.backlog', 'dispatch_backlog', 'Pending and retry events.', '{event}'],
      [
        'dispatch.oldest_pending_age',
        'dispatch_oldest_pending_age_seconds',
        'Age of the oldest due event.',
        's',
      ],
      ['dispatch.in_flight', 'dispatch_in_flight', 'Events under a live lease, any worker.', '{event}'],
      ['dispatch.backend.up', 'dispatch_backend_up', '1 while the backend takes writes.', '1'],
    ];
    for (const [name, family, description, unit] of gauges) {
      meter
        .createObservableGauge(name, { description, unit })
        .addCallback((result) => this.#observe(family, (value, labels) => result.observe(value, labels)));
    }
  }

  published(publisher: string, eventType: string, count = 1): void {
    this.#registry.add(
      'dispatch_events_published_total',
      { backend: publisher, event_type: eventType },
      count,
    );
    this.#otel.published.add(count, { 'dispatch.backend': publisher, 'dispatch.event_type': eventType });
  }

  retried(publisher: string, eventType: string, count = 1): void {
    this.#registry.add('dispatch_events_retried_total', { backend: publisher, event_type: eventType }, count);
    this.#otel.retried.add(count, { 'dispatch.backend': publisher, 'dispatch.event_type': eventType });
  }

  failed(publisher: string, eventType: string, reason: 'rejected' | 'exhausted', count = 1): void {
    const labels = { backend: publisher, event_type: eventType, reason };
    this.#registry.add('dispatch_events_failed_total', labels, count);
    this.#otel.failed.add(count, {
      'dispatch.backend': publisher,
      'dispatch.event_type': eventType,
      'dispatch.reason': reason,
    });
  }

  /** `reason` is the outcome's text; the label is its `ReleaseReason`. */
  released(publisher: string, reason: string, count = 1): void {
    const label = releaseReason(reason);
    this.#registry.add('dispatch_events_released_total', { backend: publisher, reason: label }, count);
    this.#otel.released.add(count, { 'dispatch.backend': publisher, 'dispatch.reason': label });
  }

  publishDuration(backend: string, seconds: number): void {
    this.#registry.observe('dispatch_publish_duration_seconds', { backend }, seconds);
    this.#otel.duration.record(seconds, { 'dispatch.backend': backend });
  }

  batchSize(size: number): void {
    this.#registry.observe('dispatch_batch_size', {}, size);
    this.#otel.batch.record(size);
  }

  backendUp(backend: string, up: boolean): void {
    this.#registry.set('dispatch_backend_up', { backend }, up ? 1 : 0);
  }

  storeStats(stats: StoreStats): void {
    this.#registry.set('dispatch_backlog', {}, stats.counts.pending + stats.counts.retry);
    this.#registry.set('dispatch_oldest_pending_age_seconds', {}, (stats.oldestPendingAgeMs ?? 0) / 1000);
    this.#registry.set('dispatch_in_flight', {}, stats.inFlight);
  }

  /** A counter's or gauge's current value, or a histogram's count (for tests and `/healthz`). */
  value(name: string, labels: Labels = {}): number {
    return this.#registry.value(name, labels);
  }

  /** Everything, process metrics included, in the Prometheus text exposition format (version 0.0.4). */
  prometheus(): string {
    return this.#registry.render(processMetrics());
  }

  #observe(name: string, observe: (value: number, labels: Attributes) => void): void {
    for (const series of this.#registry.series(name)) {
      const attributes: Attributes = {};
      for (const [label, value] of Object.entries(series.labels)) attributes[`dispatch.${label}`] = value;
      observe(series.value, attributes);
    }
  }
}
