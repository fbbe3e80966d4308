import { type OutboxEvent, toCloudEvent } from '@dispatch/core';
import { copyButton } from './events-page.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, link, type PageContext } from './layout.js';
import { timeTag } from './time-format.js';

/** The trace id of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), when the event carries one. */
export function traceId(event: OutboxEvent): string | null {
  const value = event.extensions.traceparent;
  if (typeof value !== 'string') return null;
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/i.exec(value.trim());
  return match ? (match[1] as string) : null;
}

/** The stream entry id, when something recorded it in the event's fields (the store does not). */
function streamEntryId(event: OutboxEvent): string | null {
  for (const name of ['stream_entry_id', 'entry_id', 'streamEntryId']) {
    const value = event.fields[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

function payload(event: OutboxEvent): { text: string; kind: string } {
  if (event.data === null) return { text: '', kind: 'none' };
  if (typeof event.data === 'string' && !/json/i.test(event.dataContentType)) {
    return { text: event.data, kind: 'text' };
  }
  return { text: JSON.stringify(event.data, null, 2), kind: 'JSON' };
}

function attribute(name: string, value: SafeHtml | string | number | null): SafeHtml {
  return html`<tr><th scope="row">${name}</th><td>${value === null || value === '' ? html`<span class="muted">-</span>` : value}</td></tr>`;
}

function actions(context: PageContext, event: OutboxEvent): SafeHtml {
  if (context.readOnly) return html``;
  const form = (action: 'retry' | 'fail', label: string) =>
    html`<form method="post" action="${link(context, '/actions/confirm')}" class="inline">${csrfField(context)}<input type="hidden" name="ids" value="${event.id}"><button type="submit" name="action" value="${action}">${label}</button></form>`;
  if (event.status === 'failed') return form('retry', 'Retry this event');
  if (event.status === 'pending' || event.status === 'retry') return form('fail', 'Mark this event failed');
  return html`<p class="muted small">${event.status === 'processing' ? 'A worker is publishing this event; it cannot be changed now.' : 'Published events are final.'}</p>`;
}

export function eventPage(context: PageContext, event: OutboxEvent): SafeHtml {
  const data = payload(event);
  const trace = traceId(event);
  const entry = streamEntryId(event);
  const scalars = (values: Record<string, unknown>) =>
    Object.keys(values).length === 0 ? null : html`<code>${JSON.stringify(values)}</code>`;
  const body = html`<p class="id-line"><code>${event.id}</code> ${copyButton(event.id, 'copy id')} <span class="status status-${event.status}">${event.status}</span></p>
${actions(context, event)}
<section aria-label="Attributes"><h2>Attributes</h2><div class="scroll"><table class="attrs">
${attribute('status', event.status)}
${attribute('type', event.eventType)}
${attribute('source', event.source)}
${attribute('subject', event.subject)}
${attribute('publisher', event.publisher)}
${attribute('key', event.key === null ? null : html`<a href="${link(context, `/events?key=${encodeURIComponent(event.key)}`)}">${event.key}</a> ${copyButton(event.key)}`)}
${attribute('attempts', `${event.attempts} (max retries ${event.maxRetries})`)}
${attribute('created', timeTag(event.createdAt))}
${attribute('available', timeTag(event.availableAt))}
${attribute('published', timeTag(event.publishedAt))}
${attribute('updated', timeTag(event.updatedAt))}
${attribute('locked until', timeTag(event.lockedUntil))}
${attribute('sequence', event.sequence)}
${attribute('content type', event.dataContentType)}
${attribute('data schema', event.dataSchema)}
${attribute('spec version', event.specVersion)}
${attribute('trace id', trace === null ? null : html`<code>${trace}</code> ${copyButton(trace)}`)}
${attribute('stream entry id', entry === null ? html`<span class="muted">not recorded by the store</span>` : html`<code>${entry}</code> ${copyButton(entry)}`)}
${attribute('extensions', scalars(event.extensions))}
${attribute('fields', scalars(event.fields))}
</table></div></section>
<section aria-label="Last error"><h2>Last error</h2>${event.lastError === null ? html`<p class="muted">None.</p>` : html`<pre class="error-text">${event.lastError}</pre>`}</section>
<section aria-label="History"><h2>History</h2>${
    event.history.length === 0
      ? html`<p class="muted">No failed attempts recorded.</p>`
      : html`<ol class="history">${event.history.map((attempt) => html`<li>${timeTag(new Date(attempt.at))} <pre>${attempt.error}</pre></li>`)}</ol>`
  }</section>
<section aria-label="Payload"><h2>Payload <span class="muted small">(${data.kind})</span></h2>${data.kind === 'none' ? html`<p class="muted">No data.</p>` : html`<pre class="payload" id="payload">${data.text}</pre>`}</section>
<section aria-label="CloudEvent"><h2>CloudEvent</h2><pre class="payload">${JSON.stringify(toCloudEvent(event), null, 2)}</pre></section>`;
  return layout(context, { heading: `Event ${event.eventType}`, section: 'event', body });
}
