import type { EventStatus, OutboxStore } from '@dispatch/core';
import { readListQuery, toFilter } from './filters.js';
import { html, type SafeHtml } from './html.js';
import { csrfField, layout, link, type PageContext } from './layout.js';
import type { ResolvedOptions } from './options.js';

export type ActionName = 'retry' | 'fail';

/** The events an action is about: chosen ids, or every failed event matching a filter. */
export interface ActionTarget {
  action: ActionName;
  ids: string[];
  /** The events page query (`?status=...`) for "every failed event matching", else null. */
  filter: string | null;
}

export interface Resolved {
  eligible: string[];
  /** Why the other chosen events are left alone, one line each. */
  skipped: string[];
  /** More matched than `maxBulk`: only the first `maxBulk` are in `eligible`. */
  truncated: boolean;
}

const ALLOWED: Record<ActionName, readonly EventStatus[]> = {
  retry: ['failed'],
  fail: ['pending', 'retry'],
};

function why(action: ActionName, status: EventStatus): string {
  if (status === 'processing') return 'a worker is publishing it right now';
  if (status === 'published') return 'it is published (final)';
  return action === 'retry' ? `it is ${status}; only failed events can be retried` : 'it is failed already';
}

/** Read the target from a submitted form; null when the form does not describe one. */
export function readTarget(form: URLSearchParams): ActionTarget | null {
  const action = form.get('action');
  const ids = [...new Set(form.getAll('ids').filter((id) => id.length > 0 && id.length <= 200))];
  if (action === 'retry-matching') return { action: 'retry', ids: [], filter: form.get('filter') ?? '' };
  if (action !== 'retry' && action !== 'fail') return null;
  if (form.get('mode') === 'matching') return { action, ids: [], filter: form.get('filter') ?? '' };
  return { action, ids, filter: null };
}

/** Which events the action would touch now, by the same rules as the `dispatch events` commands. */
export async function resolveTarget(
  store: OutboxStore,
  target: ActionTarget,
  maxBulk: number,
): Promise<Resolved> {
  if (target.filter !== null) {
    const query = readListQuery(new URLSearchParams(target.filter));
    const filter = { ...toFilter(query), status: ['failed'] as EventStatus[] };
    const eligible: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.list({ filter, limit: 500, after });
      eligible.push(...page.events.map((event) => event.id));
      after = page.next ?? undefined;
    } while (after !== undefined && eligible.length <= maxBulk);
    return { eligible: eligible.slice(0, maxBulk), skipped: [], truncated: eligible.length > maxBulk };
  }
  const eligible: string[] = [];
  const skipped: string[] = [];
  for (const id of target.ids.slice(0, maxBulk)) {
    const event = await store.get(id);
    if (!event) skipped.push(`${id}: no such event`);
    else if (!ALLOWED[target.action].includes(event.status))
      skipped.push(`${id}: ${why(target.action, event.status)}`);
    else eligible.push(id);
  }
  return { eligible, skipped, truncated: target.ids.length > maxBulk };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function confirmPage(context: PageContext, target: ActionTarget, resolved: Resolved): SafeHtml {
  const count = resolved.eligible.length;
  const verb = target.action === 'retry' ? 'Retry' : 'Mark failed';
  const what =
    target.action === 'retry'
      ? `${plural(count, 'failed event')} will go back to pending (attempts reset) and be published again.`
      : `${plural(count, 'waiting event')} will be marked failed and not published.`;
  const back = target.filter !== null ? `/events${target.filter}` : '/events';
  const hidden =
    target.filter !== null
      ? html`<input type="hidden" name="mode" value="matching"><input type="hidden" name="filter" value="${target.filter}">`
      : resolved.eligible.map((id) => html`<input type="hidden" name="ids" value="${id}">`);
  const body = html`<p class="confirm-count" data-count="${count}">${count === 0 ? 'None of the chosen events can take this action.' : what}</p>
${resolved.truncated ? html`<p class="error">More events match than the limit of one action; only the first ${count} are included.</p>` : ''}
${target.filter !== null ? html`<p class="muted">Every failed event matching <code>${target.filter || '(no filter)'}</code> at the moment you confirm.</p>` : ''}
${resolved.skipped.length > 0 ? html`<details open><summary>${plural(resolved.skipped.length, 'event')} left alone</summary><ul>${resolved.skipped.map((line) => html`<li>${line}</li>`)}</ul></details>` : ''}
${
  count === 0
    ? ''
    : html`<form method="post" action="${link(context, `/actions/${target.action}`)}" class="confirm">
${csrfField(context)}<input type="hidden" name="action" value="${target.action}">${hidden}
${target.action === 'fail' ? html`<label>reason<input name="reason" value="marked failed by an operator" maxlength="500" required></label>` : ''}
<button type="submit" class="danger">${verb}: ${plural(count, 'event')}</button>
</form>`
}
<p><a href="${link(context, back)}">Cancel</a></p>`;
  return layout(context, { heading: `${verb}?`, section: 'action', body });
}

/** Do it, in chunks, and write the audit line. Returns the message for the page. */
export async function runAction(
  options: ResolvedOptions,
  target: ActionTarget,
  resolved: Resolved,
  user: string,
  reason: string,
): Promise<string> {
  let changed = 0;
  for (let start = 0; start < resolved.eligible.length; start += 500) {
    const chunk = resolved.eligible.slice(start, start + 500);
    changed +=
      target.action === 'retry'
        ? await options.store.requeue(chunk)
        : await options.store.fail(chunk, reason);
  }
  const message =
    target.action === 'retry'
      ? `requeued ${plural(changed, 'failed event')}`
      : `marked ${plural(changed, 'event')} failed`;
  options.logger.info(
    {
      audit: true,
      action: target.action,
      user,
      count: changed,
      ids: resolved.eligible.slice(0, 100),
      ...(target.filter !== null ? { filter: target.filter } : {}),
      ...(target.action === 'fail' ? { reason } : {}),
    },
    `dashboard: ${user} ${message}`,
  );
  return message;
}
