import { EVENT_STATUSES, type ListPage, type OutboxEvent } from '@dispatch/core';
import { filterProblems, type ListQuery, queryString } from './filters.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, link, type PageContext } from './layout.js';
import { timeTag } from './time-format.js';

/** Which action a row's checkbox can take part in; processing and published events take none. */
export function actionable(event: OutboxEvent): boolean {
  return event.status === 'failed' || event.status === 'pending' || event.status === 'retry';
}

export function copyButton(value: string, label = 'copy'): SafeHtml {
  return html`<button type="button" class="copy" data-copy="${value}" aria-label="Copy ${value}">${label}</button>`;
}

function filterForm(context: PageContext, query: ListQuery, publishers: readonly string[]): SafeHtml {
  const field = (name: keyof ListQuery, label: string, placeholder = '') =>
    html`<label>${label}<input name="${name}" value="${String(query[name])}" placeholder="${placeholder}" autocomplete="off"></label>`;
  return html`<form class="filters" method="get" action="${link(context, '/events')}" role="search">
<fieldset class="statuses"><legend>status</legend>${EVENT_STATUSES.map(
    (status) =>
      html`<label class="check"><input type="checkbox" name="status" value="${status}"${query.status.includes(status) ? html` checked` : ''}>${status}</label>`,
  )}</fieldset>
${field('type', 'type', 'order.created')}
${field('source', 'source')}
${field('key', 'key')}
<label>publisher<select name="publisher"><option value="">any</option>${publishers.map(
    (name) =>
      html`<option value="${name}"${name === query.publisher ? html` selected` : ''}>${name}</option>`,
  )}</select></label>
${field('since', 'since', '2h or 2026-03-01T12:00Z')}
${field('until', 'until', '30m or a date')}
${field('q', 'search', 'id, type, source, subject')}
<label>order<select name="order"><option value="newest">newest first</option><option value="oldest"${query.order === 'oldest' ? html` selected` : ''}>oldest first</option></select></label>
<div class="filter-buttons"><button type="submit">Apply</button> <a href="${link(context, '/events')}">Clear</a></div>
</form>`;
}

function row(context: PageContext, event: OutboxEvent, selectable: boolean): SafeHtml {
  const href = link(context, `/events/${encodeURIComponent(event.id)}`);
  return html`<tr data-href="${href}" tabindex="-1">
${selectable ? html`<td>${actionable(event) ? html`<input type="checkbox" name="ids" value="${event.id}" form="bulk" aria-label="Select ${event.id}">` : ''}</td>` : ''}
<td class="id"><a href="${href}">${event.id}</a> ${copyButton(event.id)}</td>
<td><span class="status status-${event.status}">${event.status}</span></td>
<td>${event.eventType}</td>
<td>${event.source}</td>
<td>${event.key ?? ''}</td>
<td>${event.publisher}</td>
<td class="num">${event.attempts}</td>
<td>${timeTag(event.createdAt)}</td>
</tr>`;
}

export function eventsPage(
  context: PageContext,
  query: ListQuery,
  page: ListPage,
  publishers: readonly string[],
): SafeHtml {
  const selectable = !context.readOnly;
  const problems = filterProblems(query);
  const base = link(context, '/events');
  const sort = (order: 'newest' | 'oldest', label: string) =>
    order === query.order
      ? html`<strong>${label}</strong>`
      : html`<a href="${base}${queryString(query, { order, after: '' })}">${label}</a>`;
  const filterText = queryString({ ...query, after: '' });
  const bulk = selectable
    ? html`<form id="bulk" class="bulk" method="post" action="${link(context, '/actions/confirm')}">
${csrfField(context)}<input type="hidden" name="filter" value="${filterText}">
<button type="submit" name="action" value="retry">Retry selected</button>
<button type="submit" name="action" value="fail">Mark selected failed</button>
<button type="submit" name="action" value="retry-matching">Retry every failed event matching the filters</button>
</form>`
    : '';
  const body = html`${filterForm(context, query, publishers)}
${problems.map((problem) => html`<p class="error">${problem}</p>`)}
<p class="sort">Sort: ${sort('newest', 'newest first')} · ${sort('oldest', 'oldest first')} <span class="muted small">Keys: j/k move, Enter opens, x selects, / searches</span></p>
${bulk}
<div class="scroll"><table class="grid events" id="events">
<thead><tr>${selectable ? html`<th><span class="sr-only">select</span></th>` : ''}<th>id</th><th>status</th><th>type</th><th>source</th><th>key</th><th>publisher</th><th class="num">attempts</th><th>created</th></tr></thead>
<tbody>${
    page.events.length === 0
      ? html`<tr><td colspan="9" class="muted">No events match.</td></tr>`
      : page.events.map((event) => row(context, event, selectable))
  }</tbody>
</table></div>
<nav class="pager" aria-label="Pages">
${query.after ? html`<a href="${base}${queryString(query, { after: '' })}">First page</a>` : ''}
${page.next ? html`<a rel="next" href="${base}${queryString(query, { after: page.next })}">Next page</a>` : html`<span class="muted">Last page</span>`}
</nav>`;
  return layout(context, { heading: 'Events', section: 'events', body });
}
