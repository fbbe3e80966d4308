/**
 * A small registry of counters, gauges and histograms rendered in the Prometheus text exposition
 * format (version 0.0.4), so `dispatch worker --metrics-port` needs no metrics library.
 */

export type Labels = Record<string, string>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface FamilySpec {
  type: MetricType;
  help: string;
  /** Upper bounds of the histogram's buckets, ascending; `+Inf` is added. */
  buckets?: readonly number[];
}

/** One sample line of a family that is computed at scrape time (process metrics). */
export interface Sample {
  labels?: Labels;
  value: number;
}

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  /** Per bucket, not cumulative; the last one is `+Inf`. */
  counts: number[];
  sum: number;
  count: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class PrometheusRegistry {
  readonly #specs: ReadonlyMap<string, FamilySpec>;
  readonly #series = new Map<string, Map<string, Series>>();
  readonly #histograms = new Map<string, Map<string, HistogramSeries>>();

  constructor(specs: Record<string, FamilySpec>) {
    for (const [name, spec] of Object.entries(specs)) {
      if (!METRIC_NAME.test(name)) throw new Error(`invalid Prometheus metric name "${name}"`);
      const buckets = spec.buckets ?? [];
      if (
        spec.type === 'histogram' &&
        (buckets.length === 0 || buckets.some((b, i) => i > 0 && b <= (buckets[i - 1] as number)))
      )
        throw new Error(`histogram "${name}" needs ascending buckets`);
    }
    this.#specs = new Map(Object.entries(specs));
  }

  add(name: string, labels: Labels, by: number): void {
    this.#seriesOf(name, labels).value += by;
  }

  set(name: string, labels: Labels, value: number): void {
    this.#seriesOf(name, labels).value = value;
  }

  observe(name: string, labels: Labels, value: number): void {
    const buckets = this.#spec(name, 'histogram').buckets as readonly number[];
    const family = familyOf(this.#histograms, name);
    const k = key(labels);
    let series = family.get(k);
    if (!series) {
      series = { labels: checked(labels), counts: new Array(buckets.length + 1).fill(0), sum: 0, count: 0 };
      family.set(k, series);
    }
    let index = buckets.findIndex((bound) => value <= bound);
    if (index < 0) index = buckets.length;
    series.counts[index] = (series.counts[index] ?? 0) + 1;
    series.sum += value;
    series.count += 1;
  }

  /** A counter's or gauge's value, or a histogram's count. */
  value(name: string, labels: Labels = {}): number {
    const k = key(labels);
    return this.#series.get(name)?.get(k)?.value ?? this.#histograms.get(name)?.get(k)?.count ?? 0;
  }

  /** The gauge's series, for callbacks that report them elsewhere. */
  series(name: string): { labels: Labels; value: number }[] {
    return [...(this.#series.get(name)?.values() ?? [])];
  }

  /**
   * Every family with its `# HELP` and `# TYPE` lines, then `computed` ones (sampled by the caller
   * at scrape time, with their own specs).
   */
  render(computed: readonly { name: string; spec: FamilySpec; samples: readonly Sample[] }[] = []): string {
    const lines: string[] = [];
    for (const [name, spec] of this.#specs) {
      header(lines, name, spec);
      if (spec.type === 'histogram') {
        const buckets = spec.buckets as readonly number[];
        for (const series of this.#histograms.get(name)?.values() ?? []) {
          let cumulative = 0;
          for (let i = 0; i <= buckets.length; i++) {
            cumulative += series.counts[i] ?? 0;
            const le = i < buckets.length ? formatValue(buckets[i] as number) : '+Inf';
            lines.push(`${name}_bucket${formatLabels({ ...series.labels, le })} ${cumulative}`);
          }
          lines.push(`${name}_sum${formatLabels(series.labels)} ${formatValue(series.sum)}`);
          lines.push(`${name}_count${formatLabels(series.labels)} ${series.count}`);
        }
        continue;
      }
      for (const series of this.#series.get(name)?.values() ?? [])
        lines.push(`${name}${formatLabels(series.labels)} ${formatValue(series.value)}`);
    }
    for (const { name, spec, samples } of computed) {
      header(lines, name, spec);
      for (const sample of samples)
        lines.push(`${name}${formatLabels(sample.labels ?? {})} ${formatValue(sample.value)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #spec(name: string, ...types: MetricType[]): FamilySpec {
    const spec = this.#specs.get(name);
    if (!spec || !types.includes(spec.type)) throw new Error(`no ${types.join(' or ')} named "${name}"`);
    return spec;
  }

  #seriesOf(name: string, labels: Labels): Series {
    this.#spec(name, 'counter', 'gauge');
    const family = familyOf(this.#series, name);
    const k = key(labels);
    let series = family.get(k);
    if (!series) {
      series = { labels: checked(labels), value: 0 };
      family.set(k, series);
    }
    return series;
  }
}

function header(lines: string[], name: string, spec: FamilySpec): void {
  lines.push(`# HELP ${name} ${escapeHelp(spec.help)}`, `# TYPE ${name} ${spec.type}`);
}

function familyOf<T>(families: Map<string, Map<string, T>>, name: string): Map<string, T> {
  let family = families.get(name);
  if (!family) {
    family = new Map();
    families.set(name, family);
  }
  return family;
}

function checked(labels: Labels): Labels {
  for (const name of Object.keys(labels))
    if (!LABEL_NAME.test(name) || name.startsWith('__') || name === 'le')
      throw new Error(`invalid Prometheus label name "${name}"`);
  return { ...labels };
}

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `# HELP` text escapes backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values escape backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus parses it (`+Inf`, `-Inf`, `NaN` for the non-finite ones). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}
