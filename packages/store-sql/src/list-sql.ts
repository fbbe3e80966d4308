import { InvalidArgumentError, type ListPage, type ListRequest } from '@dispatch/core';
import { toEvent } from './row-mapping.js';
import type { SqlTable } from './sql-table.js';
import { likePattern, list } from './sql-text.js';

/** One page of events matching `request.filter`, newest (or oldest) first, with a `seq` cursor. */
export async function listEvents(table: SqlTable, request: ListRequest): Promise<ListPage> {
  const limit = request.limit ?? 50;
  const filter = request.filter ?? {};
  const oldest = request.order === 'oldest';
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (request.after !== undefined) {
    if (!/^\d+$/.test(request.after)) {
      throw new InvalidArgumentError(`list cursor "${request.after}" is not one this store issued`);
    }
    conditions.push(oldest ? 'seq > ?' : 'seq < ?');
    params.push(Number(request.after));
  }
  for (const [column, values] of [
    ['status', filter.status],
    ['id', filter.ids],
  ] as const) {
    if (!values) continue;
    if (values.length === 0) return { events: [], next: null };
    const inList = list(values);
    conditions.push(`${column} IN (${inList.sql})`);
    params.push(...inList.params);
  }
  const equal: [string, string | undefined][] = [
    ['event_type', filter.eventType],
    ['source', filter.source],
    ['ordering_key', filter.key],
    ['backend', filter.publisher ?? filter.backend],
  ];
  for (const [column, value] of equal) {
    if (value === undefined) continue;
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.since) {
    conditions.push('created_at >= ?');
    params.push(filter.since.getTime());
  }
  if (filter.until) {
    conditions.push('created_at < ?');
    params.push(filter.until.getTime());
  }
  if (filter.search) {
    const pattern = likePattern(filter.search);
    const columns = ['id', 'event_type', 'source', "COALESCE(subject, '')"];
    conditions.push(`(${columns.map((c) => `LOWER(${c}) LIKE ? ESCAPE '!'`).join(' OR ')})`);
    params.push(...columns.map(() => pattern));
  }
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = await table.query(
    `SELECT * FROM ${table.t} ${where} ORDER BY seq ${oldest ? 'ASC' : 'DESC'} LIMIT ?`,
    [...params, limit + 1],
  );
  const events = rows.slice(0, limit).map(toEvent);
  const last = events[events.length - 1];
  return { events, next: rows.length > limit && last ? String(last.sequence) : null };
}
