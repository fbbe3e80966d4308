import {
  type ActivityReport,
  EVENT_STATUSES,
  type OutboxStore,
  redactText,
  type StoreStats,
} from '@dispatch/core';
import { activityChart } from './chart.js';
import { html, type SafeHtml } from './html.js';
import { layout, link, type PageContext } from './layout.js';
import { formatAge } from './time-format.js';

export const RANGES = {
  '1h': { windowMs: 3_600_000, bucketMs: 60_000, label: 'per minute, last hour' },
  '24h': { windowMs: 86_400_000, bucketMs: 600_000, label: 'per 10 minutes, last day' },
} as const;

export type RangeName = keyof typeof RANGES;

export async function overviewPage(
  context: PageContext,
  store: OutboxStore,
  counting: Promise<StoreStats | undefined>,
): Promise<SafeHtml> {
  const rangeName: RangeName = context.url.searchParams.get('range') === '24h' ? '24h' : '1h';
  const range = RANGES[rangeName];
  // The chart's query runs while the counts are awaited, so a view waits for the slower one only.
  const charting = store.activity({ windowMs: range.windowMs, bucketMs: range.bucketMs }).then(
    (report: ActivityReport) => activityChart(report, range.label),
    (error: unknown) =>
      html`<p class="error">The store could not report activity: ${redactText((error as Error).message)}</p>`,
  );
  const [stats, chart] = await Promise.all([counting, charting]);
  if (!stats) {
    const body = html`<p class="notice" role="status">Counting the outbox; this page fills in on its own.</p>
<section aria-label="Activity"><h2>Activity</h2>${chart}</section>`;
    return layout(context, { heading: 'Overview', section: 'overview', body, refresh: 2 });
  }
  const backlog = stats.counts.pending + stats.counts.retry + stats.counts.processing;
  const events = (query: string) => link(context, `/events${query}`);
  const card = (label: string, value: string | number, href?: string, tone = '') =>
    html`<div class="card ${tone}"><div class="card-label">${label}</div><div class="card-value">${href ? html`<a href="${href}">${value}</a>` : value}</div></div>`;
  const publishers = Object.entries(stats.byBackend).sort(([a], [b]) => a.localeCompare(b));
  const ranges = (Object.keys(RANGES) as RangeName[]).map(
    (name) =>
      html`<a href="${link(context, `/?range=${name}`)}"${name === rangeName ? html` aria-current="true"` : ''}>${name}</a>`,
  );
  const body = html`<section class="cards" aria-label="Counts">
${card('backlog', backlog, events('?status=pending&status=retry&status=processing'))}
${card('oldest pending', formatAge(stats.oldestPendingAgeMs), events('?status=pending&status=retry&order=oldest'))}
${card('in flight', stats.inFlight, events('?status=processing'))}
${EVENT_STATUSES.map((status) => card(status, stats.counts[status], events(`?status=${status}`), `status-${status}`))}
</section>
<section aria-label="Activity">
<h2>Activity <span class="ranges">${ranges}</span></h2>
${chart}
</section>
<section aria-label="By publisher">
<h2>By publisher</h2>
<div class="scroll"><table class="grid">
<thead><tr><th>publisher</th>${EVENT_STATUSES.map((status) => html`<th class="num">${status}</th>`)}</tr></thead>
<tbody>${
    publishers.length === 0
      ? html`<tr><td colspan="6" class="muted">No events yet.</td></tr>`
      : publishers.map(
          ([publisher, counts]) =>
            html`<tr><td><a href="${events(`?publisher=${encodeURIComponent(publisher)}`)}">${publisher}</a></td>${EVENT_STATUSES.map(
              (status) =>
                html`<td class="num"><a href="${events(`?publisher=${encodeURIComponent(publisher)}&status=${status}`)}">${counts[status]}</a></td>`,
            )}</tr>`,
        )
  }</tbody>
</table></div>
<p class="muted small">Counts are at most a few seconds old; the page refreshes on its own.</p>
</section>`;
  return layout(context, { heading: 'Overview', section: 'overview', body, refresh: true });
}
