import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_SIZE_BUCKETS, PUBLISH_DURATION_BUCKETS } from '../src/metrics.js';
import { PrometheusRegistry } from '../src/metrics-prometheus.js';
import { type MetricsServer, startMetricsServer } from '../src/metrics-server.js';
import { Worker } from '../src/worker.js';
import { type Harness, harness } from './helpers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Family {
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(\\|"|n)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(value))
    throw new Error(`bad sample value "${text}"`);
  return value;
}

/** A strict reader of the text exposition format 0.0.4: throws on any line it does not expect. */
function parse(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, Family>();
  let current: [string, Family] | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help) {
      const [, name = '', description = ''] = help;
      if (families.has(name)) throw new Error(`family ${name} appears twice`);
      current = [name, { type: '', help: description, samples: [] }];
      families.set(name, current[1]);
      continue;
    }
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (!current || current[0] !== type[1] || current[1].type !== '' || current[1].samples.length > 0)
        throw new Error(`TYPE line out of place: ${line}`);
      current[1].type = type[2] as string;
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || !current) throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const [, name = '', labelText = '', value = ''] = sample;
    const [family, spec] = current;
    const suffixes = spec.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (!suffixes.some((suffix) => name === family + suffix))
      throw new Error(`sample ${name} outside its family ${family}`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const match = LABEL.exec(labelText);
      if (!match) throw new Error(`bad labels: {${labelText}}`);
      const [, label = '', raw = ''] = match;
      if (label in labels) throw new Error(`label ${label} twice in ${line}`);
      labels[label] = unescapeLabel(raw);
    }
    spec.samples.push({ name, labels, value: parseValue(value) });
  }
  for (const [name, family] of families) if (family.type === '') throw new Error(`${name} has no TYPE`);
  return families;
}

/** Check one histogram family: per series, cumulative buckets ending in +Inf equal to _count. */
function histogramSeries(family: Family, bounds: readonly number[]) {
  const series = new Map<string, { buckets: Sample[]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...labels } = sample.labels;
    const k = JSON.stringify(labels);
    const entry = series.get(k) ?? { buckets: [] };
    series.set(k, entry);
    if (sample.name.endsWith('_bucket')) {
      expect(le).toBeDefined();
      entry.buckets.push(sample);
    } else {
      expect(le).toBeUndefined();
      if (sample.name.endsWith('_sum')) entry.sum = sample.value;
      else entry.count = sample.value;
    }
  }
  for (const { buckets, sum, count } of series.values()) {
    expect(buckets.map((b) => b.labels.le)).toEqual([...bounds.map(String), '+Inf']);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value as number);
    expect(count).toBe(buckets[buckets.length - 1]?.value);
    expect(sum).toBeGreaterThanOrEqual(0);
  }
  return [...series.values()];
}

describe('/metrics', () => {
  let h: Harness;
  let server: MetricsServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await h.dispatch.close();
  });

  it('serves counters, histograms with cumulative buckets and process metrics, without event data', async () => {
    h = await harness({ publishers: ['default', 'audit'] });
    const ids = [
      ...(await h.publish(3, { data: { secret: 'do-not-leak' } })),
      ...(await h.publish(2, { publisher: 'audit', eventType: 'order.paid' })),
    ];
    const [rejected, retried] = ids;
    h.broker.rejectWhen((event) => event.id === rejected, `bad "stream" for ${rejected}`);
    h.broker.failNext(1, { match: (event) => event.id === retried });
    const worker = new Worker(h.dispatch, { batchSize: 3 });
    await worker.runOnce();
    await worker.runOnce();
    worker.metrics.storeStats(await h.dispatch.store.stats());
    {
      server = await startMetricsServer({ worker, port: 0 });
      const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await response.text();
      const families = parse(text);

      expect(families.get('dispatch_events_published_total')?.type).toBe('counter');
      expect(families.get('dispatch_events_published_total')?.samples).toEqual(
        expect.arrayContaining([
          {
            name: 'dispatch_events_published_total',
            labels: { backend: 'default', event_type: 'order.created' },
            value: 1,
          },
          {
            name: 'dispatch_events_published_total',
            labels: { backend: 'audit', event_type: 'order.paid' },
            value: 2,
          },
        ]),
      );
      expect(families.get('dispatch_events_failed_total')?.samples).toEqual([
        {
          name: 'dispatch_events_failed_total',
          labels: { backend: 'default', event_type: 'order.created', reason: 'rejected' },
          value: 1,
        },
      ]);
      expect(families.get('dispatch_events_retried_total')?.samples).toEqual([
        {
          name: 'dispatch_events_retried_total',
          labels: { backend: 'default', event_type: 'order.created' },
          value: 1,
        },
      ]);

      const duration = families.get('dispatch_publish_duration_seconds');
      expect(duration?.type).toBe('histogram');
      const latency = histogramSeries(duration as Family, PUBLISH_DURATION_BUCKETS);
      // One series per backend; each publish call observed once.
      expect(latency).toHaveLength(2);
      expect(latency.reduce((total, s) => total + (s.count ?? 0), 0)).toBe(2);
      const backends = (duration as Family).samples.map((s) => s.labels.backend);
      expect(new Set(backends)).toEqual(new Set(['default', 'audit']));

      const batch = families.get('dispatch_batch_size');
      expect(batch?.type).toBe('histogram');
      const [sizes] = histogramSeries(batch as Family, BATCH_SIZE_BUCKETS);
      expect(sizes?.count).toBe(2);
      expect(sizes?.sum).toBe(5);
      // Batches of 3 and 2: nothing at le="1", both at le="5".
      expect(sizes?.buckets.find((b) => b.labels.le === '1')?.value).toBe(0);
      expect(sizes?.buckets.find((b) => b.labels.le === '5')?.value).toBe(2);

      for (const name of ['dispatch_backlog', 'dispatch_oldest_pending_age_seconds', 'dispatch_in_flight'])
        expect(families.get(name)?.type).toBe('gauge');
      expect(families.get('dispatch_backlog')?.samples[0]?.value).toBe(1);
      expect(families.get('dispatch_backend_up')?.samples).toHaveLength(2);

      const one = (name: string) => {
        const family = families.get(name);
        expect(family?.samples).toHaveLength(1);
        return family?.samples[0]?.value as number;
      };
      expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
      expect(one('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(one('process_cpu_seconds_total')).toBeCloseTo(
        one('process_cpu_user_seconds_total') + one('process_cpu_system_seconds_total'),
        6,
      );
      expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
      expect(one('process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      const now = Date.now() / 1000;
      expect(one('process_start_time_seconds')).toBeLessThanOrEqual(now);
      expect(one('process_start_time_seconds')).toBeGreaterThan(now - process.uptime() - 5);
      expect(one('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(one('nodejs_heap_size_used_bytes')).toBeLessThanOrEqual(one('nodejs_heap_size_total_bytes'));
      expect(one('nodejs_external_memory_bytes')).toBeGreaterThanOrEqual(0);

      // Labels are few and fixed; no event id, payload or error text reaches the output.
      const labelNames = new Set<string>();
      for (const family of families.values())
        for (const sample of family.samples)
          for (const label of Object.keys(sample.labels)) labelNames.add(label);
      expect([...labelNames].sort()).toEqual(['backend', 'event_type', 'le', 'reason']);
      for (const id of ids) expect(text).not.toContain(id as string);
      expect(text).not.toContain('do-not-leak');

      const head = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    }
  });

  it('labels released events with a fixed reason', async () => {
    h = await harness();
    await h.publish(2);
    h.broker.setUnavailable(true);
    const worker = new Worker(h.dispatch);
    await worker.runOnce();
    const families = parse(worker.metrics.prometheus());
    expect(families.get('dispatch_events_released_total')?.samples).toEqual([
      {
        name: 'dispatch_events_released_total',
        labels: { backend: 'default', reason: 'backend_unavailable' },
        value: 2,
      },
    ]);
    expect(families.get('dispatch_backend_up')?.samples[0]?.value).toBe(0);
  });
});

describe('PrometheusRegistry', () => {
  it('escapes label values and help text, and puts each observation in its bucket', () => {
    const registry = new PrometheusRegistry({
      things_total: { type: 'counter', help: 'Back\\slash and\nnew line.' },
      wait_seconds: { type: 'histogram', help: 'Waits.', buckets: [0.1, 1] },
    });
    registry.add('things_total', { kind: 'a "quoted" \\ back\nslash' }, 2);
    for (const value of [0.05, 0.1, 0.5, 7]) registry.observe('wait_seconds', { kind: 'x' }, value);
    const text = registry.render();
    expect(text).toContain('# HELP things_total Back\\\\slash and\\nnew line.\n');
    expect(text).toContain('things_total{kind="a \\"quoted\\" \\\\ back\\nslash"} 2\n');
    const families = parse(text);
    expect(families.get('things_total')?.samples[0]?.labels.kind).toBe('a "quoted" \\ back\nslash');
    const waits = families.get('wait_seconds')?.samples ?? [];
    expect(waits.map((s) => [s.name, s.labels.le, s.value])).toEqual([
      ['wait_seconds_bucket', '0.1', 2],
      ['wait_seconds_bucket', '1', 3],
      ['wait_seconds_bucket', '+Inf', 4],
      ['wait_seconds_sum', undefined, expect.closeTo(7.65, 9)],
      ['wait_seconds_count', undefined, 4],
    ]);
  });

  it('refuses names Prometheus would not accept', () => {
    expect(() => new PrometheusRegistry({ 'bad-name': { type: 'gauge', help: 'x' } })).toThrow(/metric name/);
    expect(() => new PrometheusRegistry({ h: { type: 'histogram', help: 'x', buckets: [1, 1] } })).toThrow(
      /ascending/,
    );
    const registry = new PrometheusRegistry({ g: { type: 'gauge', help: 'x' } });
    expect(() => registry.set('g', { le: '1' }, 1)).toThrow(/label name/);
    expect(() => registry.set('g', { 'a-b': '1' }, 1)).toThrow(/label name/);
    expect(() => registry.set('missing', {}, 1)).toThrow(/no counter or gauge/);
  });
});
