import { EVENT_STATUSES, type EventFilter, type EventStatus } from '@dispatch/core';

/** What the events page's URL holds: the filters, the order and the cursor. Shareable as is. */
export interface ListQuery {
  status: EventStatus[];
  type: string;
  source: string;
  key: string;
  publisher: string;
  since: string;
  until: string;
  q: string;
  order: 'newest' | 'oldest';
  after: string;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A date (ISO 8601) or an age back from now (`30m`, `2h`, `7d`), as the CLI takes them. */
export function parseTime(value: string, now = Date.now()): Date | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const relative = DURATION.exec(text);
  if (relative) return new Date(now - Number(relative[1]) * (UNIT_MS[relative[2] as string] ?? 0));
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function readListQuery(params: URLSearchParams): ListQuery {
  const text = (name: string) => (params.get(name) ?? '').trim().slice(0, 500);
  return {
    status: params
      .getAll('status')
      .filter((s): s is EventStatus => EVENT_STATUSES.includes(s as EventStatus)),
    type: text('type'),
    source: text('source'),
    key: text('key'),
    publisher: text('publisher'),
    since: text('since'),
    until: text('until'),
    q: text('q'),
    order: params.get('order') === 'oldest' ? 'oldest' : 'newest',
    after: /^[\w.:-]{1,200}$/.test(params.get('after') ?? '') ? (params.get('after') as string) : '',
  };
}

/** Problems a person should see (a time that does not parse), next to the filter. */
export function filterProblems(query: ListQuery): string[] {
  const problems: string[] = [];
  for (const [name, value] of [
    ['since', query.since],
    ['until', query.until],
  ] as const) {
    if (value !== '' && parseTime(value) === undefined) {
      problems.push(`"${value}" in ${name} is neither a date (2026-03-01T12:00Z) nor an age (30m, 2h, 7d)`);
    }
  }
  return problems;
}

export function toFilter(query: ListQuery): EventFilter {
  const filter: EventFilter = {};
  if (query.status.length > 0) filter.status = query.status;
  if (query.type) filter.eventType = query.type;
  if (query.source) filter.source = query.source;
  if (query.key) filter.key = query.key;
  if (query.publisher) filter.publisher = query.publisher;
  if (query.q) filter.search = query.q;
  const since = parseTime(query.since);
  if (since) filter.since = since;
  const until = parseTime(query.until);
  if (until) filter.until = until;
  return filter;
}

/** The query string for `query` with `changes` applied; empty values are left out. */
export function queryString(query: ListQuery, changes: Partial<ListQuery> = {}): string {
  const merged = { ...query, ...changes };
  const params = new URLSearchParams();
  for (const status of merged.status) params.append('status', status);
  for (const name of ['type', 'source', 'key', 'publisher', 'since', 'until', 'q'] as const) {
    if (merged[name]) params.set(name, merged[name]);
  }
  if (merged.order === 'oldest') params.set('order', 'oldest');
  if (merged.after) params.set('after', merged.after);
  const text = params.toString();
  return text ? `?${text}` : '';
}
