import type { ActivityReport } from '@dispatch/core';
import { html, type SafeHtml } from './html.js';

const WIDTH = 720;
const HEIGHT = 180;
const PAD = 28;

function scaleMax(values: number[]): number {
  const max = Math.max(1, ...values);
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / magnitude) * magnitude;
}

/**
 * Published and failed events per bucket as stacked bars, the backlog as a line on its own scale.
 * Plain SVG with classes only (the CSP allows no inline style); each bar has a title for hover.
 */
export function activityChart(report: ActivityReport, bucketLabel: string): SafeHtml {
  const buckets = report.buckets;
  if (buckets.length === 0) return html`<p class="muted">No activity.</p>`;
  const barMax = scaleMax(buckets.map((b) => b.published + b.failed));
  const lineMax = scaleMax(buckets.map((b) => b.backlog));
  const step = (WIDTH - 2 * PAD) / buckets.length;
  const y = (value: number, max: number) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  const bars = buckets.map((bucket, n) => {
    const x = (PAD + n * step).toFixed(1);
    const w = Math.max(1, step - 1).toFixed(1);
    const published = y(bucket.published, barMax);
    const failed = y(bucket.published + bucket.failed, barMax);
    const label = `${bucket.start.toISOString()}: ${bucket.published} published, ${bucket.failed} failed, backlog ${bucket.backlog}`;
    return html`<g><title>${label}</title><rect class="bar-published" x="${x}" y="${published.toFixed(1)}" width="${w}" height="${(HEIGHT - PAD - published).toFixed(1)}"></rect><rect class="bar-failed" x="${x}" y="${failed.toFixed(1)}" width="${w}" height="${(published - failed).toFixed(1)}"></rect></g>`;
  });
  const points = buckets
    .map((bucket, n) => `${(PAD + (n + 0.5) * step).toFixed(1)},${y(bucket.backlog, lineMax).toFixed(1)}`)
    .join(' ');
  const first = buckets[0]?.start.toISOString() ?? '';
  const last = report.now.toISOString();
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Published and failed events ${bucketLabel}, and the backlog">
<line class="axis" x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}"></line>
<text class="tick" x="2" y="${PAD}">${barMax}</text>
<text class="tick tick-backlog" x="${WIDTH - 2}" y="${PAD}" text-anchor="end">${lineMax}</text>
${bars}
<polyline class="backlog-line" points="${points}"></polyline>
</svg>
<figcaption><span class="key key-published"></span>published <span class="key key-failed"></span>failed ${bucketLabel} (left scale) <span class="key key-backlog"></span>backlog (right scale), from <time datetime="${first}" title="${first}">${first}</time> to <time datetime="${last}" title="${last}">${last}</time></figcaption>
</figure>`;
}
