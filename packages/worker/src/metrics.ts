import type { StoreStats } from '@dispatch/core';
import { type Attributes, type Counter, type Histogram, type Meter, metrics } from '@opentelemetry/api';

type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  value: number;
}

interface Summary {
  labels: Labels;
  sum: number;
  count: number;
}

const HELP: Record<string, [type: 'counter' | 'gauge' | 'summary', help: string]> = {
  dispatch_events_published_total: ['counter', 'Events the backend accepted.'],
  dispatch_events_retried_total: ['counter', 'Failed attempts scheduled for a retry.'],
  dispatch_events_failed_total: ['counter', 'Events marked failed (rejected or out of retries).'],
  dispatch_events_released_total: ['counter', 'Events given back without using an attempt.'],
  dispatch_publish_duration_seconds: ['summary', 'Duration of one backend publish call.'],
  dispatch_batch_size: ['summary', 'Events per claimed batch.'],
  dispatch_backlog: ['gauge', 'Pending and retry events (from the last stats poll).'],
  dispatch_oldest_pending_age_seconds: ['gauge', 'Age of the oldest due event (from the last stats poll).'],
  dispatch_in_flight: ['gauge', 'Events under a live lease, any worker (from the last stats poll).'],
  dispatch_backend_up: ['gauge', '1 while the backend takes writes, 0 while the worker has it paused.'],
};

/**
 * The worker's metrics, twice: through `@opentelemetry/api` (a no-op until the application
 * registers an SDK) and as counters of its own for `dispatch worker --metrics-port`, which needs
 * no SDK. Labels carry backend names and event types only, never event data.
 */
export class WorkerMetrics {
  readonly #counters = new Map<string, Map<string, Series>>();
  readonly #summaries = new Map<string, Map<string, Summary>>();
  readonly #gauges = new Map<string, Map<string, Series>>();
  readonly #otel: {
    published: Counter;
    retried: Counter;
    failed: Counter;
    released: Counter;
    duration: Histogram;
    batch: Histogram;
  };

  constructor(meter: Meter = metrics.getMeter('@dispatch/worker')) {
    this.#otel = {
      published: meter.createCounter('dispatch.events.published', {
        description: 'Events the backend accepted.',
      }),
      retried: meter.createCounter('dispatch.events.retried', {
        description: 'Failed attempts scheduled for a retry.',
      }),
      failed: meter.createCounter('dispatch.events.failed', { description: 'Events marked failed.' }),
      released: meter.createCounter('dispatch.events.released', {
        description: 'Events given back without using an attempt.',
      }),
      duration: meter.createHistogram('dispatch.publish.duration', {
        description: 'Duration of one backend publish call.',
        unit: 's',
      }),
      batch: meter.createHistogram('dispatch.batch.size', { description: 'Events per claimed batch.' }),
    };
    const backlog = meter.createObservableGauge('dispatch.backlog', {
      description: 'Pending and retry events.',
    });
    const oldest = meter.createObservableGauge('dispatch.oldest_pending_age', {
      description: 'Age of the oldest due event.',
      unit: 's',
    });
    const up = meter.createObservableGauge('dispatch.backend.up', {
      description: '1 while the backend takes writes.',
    });
    backlog.addCallback((result) =>
      this.#observe('dispatch_backlog', (value, labels) => result.observe(value, labels)),
    );
    oldest.addCallback((result) =>
      this.#observe('dispatch_oldest_pending_age_seconds', (value, labels) => result.observe(value, labels)),
    );
    up.addCallback((result) =>
      this.#observe('dispatch_backend_up', (value, labels) => result.observe(value, labels)),
    );
  }

  published(backend: string, eventType: string, count = 1): void {
    this.#count('dispatch_events_published_total', { backend, event_type: eventType }, count);
    this.#otel.published.add(count, { 'dispatch.backend': backend, 'dispatch.event_type': eventType });
  }

  retried(backend: string, eventType: string, count = 1): void {
    this.#count('dispatch_events_retried_total', { backend, event_type: eventType }, count);
    this.#otel.retried.add(count, { 'dispatch.backend': backend, 'dispatch.event_type': eventType });
  }

  failed(backend: string, eventType: string, reason: 'rejected' | 'exhausted', count = 1): void {
    this.#count('dispatch_events_failed_total', { backend, event_type: eventType, reason }, count);
    this.#otel.failed.add(count, {
      'dispatch.backend': backend,
      'dispatch.event_type': eventType,
      'dispatch.reason': reason,
    });
  }

  released(backend: string, reason: string, count = 1): void {
    this.#count('dispatch_events_released_total', { backend, reason }, count);
    this.#otel.released.add(count, { 'dispatch.backend': backend, 'dispatch.reason': reason });
  }

  publishDuration(backend: string, seconds: number): void {
    this.#summary('dispatch_publish_duration_seconds', { backend }, seconds);
    this.#otel.duration.record(seconds, { 'dispatch.backend': backend });
  }

  batchSize(size: number): void {
    this.#summary('dispatch_batch_size', {}, size);
    this.#otel.batch.record(size);
  }

  backendUp(backend: string, up: boolean): void {
    this.#gauge('dispatch_backend_up', { backend }, up ? 1 : 0);
  }

  storeStats(stats: StoreStats): void {
    this.#gauge('dispatch_backlog', {}, stats.counts.pending + stats.counts.retry);
    this.#gauge('dispatch_oldest_pending_age_seconds', {}, (stats.oldestPendingAgeMs ?? 0) / 1000);
    this.#gauge('dispatch_in_flight', {}, stats.inFlight);
  }

  /** A counter's current value (for tests and `/healthz`). */
  value(name: string, labels: Labels = {}): number {
    const family = this.#counters.get(name) ?? this.#gauges.get(name);
    if (family) return family.get(key(labels))?.value ?? 0;
    return this.#summaries.get(name)?.get(key(labels))?.count ?? 0;
  }

  /** Everything, in the Prometheus text exposition format (version 0.0.4). */
  prometheus(): string {
    const lines: string[] = [];
    for (const [name, [type, help]] of Object.entries(HELP)) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      if (type === 'summary') {
        for (const summary of this.#summaries.get(name)?.values() ?? []) {
          lines.push(`${name}_sum${format(summary.labels)} ${summary.sum}`);
          lines.push(`${name}_count${format(summary.labels)} ${summary.count}`);
        }
        continue;
      }
      const family = type === 'counter' ? this.#counters.get(name) : this.#gauges.get(name);
      for (const series of family?.values() ?? [])
        lines.push(`${name}${format(series.labels)} ${series.value}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #count(name: string, labels: Labels, by: number): void {
    const series = seriesOf(this.#counters, name, labels);
    series.value += by;
  }

  #gauge(name: string, labels: Labels, value: number): void {
    seriesOf(this.#gauges, name, labels).value = value;
  }

  #summary(name: string, labels: Labels, value: number): void {
    let family = this.#summaries.get(name);
    if (!family) {
      family = new Map();
      this.#summaries.set(name, family);
    }
    const k = key(labels);
    let summary = family.get(k);
    if (!summary) {
      summary = { labels, sum: 0, count: 0 };
      family.set(k, summary);
    }
    summary.sum += value;
    summary.count += 1;
  }

  #observe(name: string, observe: (value: number, labels: Attributes) => void): void {
    for (const series of this.#gauges.get(name)?.values() ?? []) {
      const attributes: Attributes = {};
      for (const [label, value] of Object.entries(series.labels)) attributes[`dispatch.${label}`] = value;
      observe(series.value, attributes);
    }
  }
}

function seriesOf(families: Map<string, Map<string, Series>>, name: string, labels: Labels): Series {
  let family = families.get(name);
  if (!family) {
    family = new Map();
    families.set(name, family);
  }
  const k = key(labels);
  let series = family.get(k);
  if (!series) {
    series = { labels, value: 0 };
    family.set(k, series);
  }
  return series;
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function format(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escapeValue = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([name, value]) => `${name}="${escapeValue(value)}"`).join(',')}}`;
}
