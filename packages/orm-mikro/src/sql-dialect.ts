import { MAX_ATTEMPT_HISTORY } from '@dispatch/core';
import type { DialectKind } from './version.js';

/** The database clock as epoch milliseconds; stable within one statement on every dialect. */
export function nowSql(kind: DialectKind): string {
  switch (kind) {
    case 'postgresql':
      return '(floor(extract(epoch from statement_timestamp()) * 1000))::bigint';
    case 'mysql':
      return 'CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED)';
    case 'sqlite':
      return "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";
  }
}

/**
 * `history` with one `{ at, error }` entry appended (at = `now`, epoch ms), keeping the newest
 * `MAX_ATTEMPT_HISTORY`. Each write appends one entry, so dropping the first is enough.
 */
export function appendHistorySql(kind: DialectKind, now: string, error: string): string {
  const full = MAX_ATTEMPT_HISTORY;
  switch (kind) {
    case 'postgresql':
      return `((CASE WHEN jsonb_array_length(history::jsonb) >= ${full} THEN history::jsonb - 0 ELSE history::jsonb END) || jsonb_build_array(jsonb_build_object('at', ${now}, 'error', (${error})::text)))::text`;
    case 'mysql':
      return `JSON_ARRAY_APPEND(CASE WHEN JSON_LENGTH(history) >= ${full} THEN JSON_REMOVE(history, '$[0]') ELSE history END, '$', JSON_OBJECT('at', ${now}, 'error', ${error}))`;
    case 'sqlite':
      return `json_insert(CASE WHEN json_array_length(history) >= ${full} THEN json_remove(history, '$[0]') ELSE history END, '$[#]', json_object('at', ${now}, 'error', ${error}))`;
  }
}

/** `?, ?, ?` for a list bound as one array parameter (MikroORM expands arrays in place). */
export function list(values: readonly unknown[]): { sql: string; params: unknown[] } {
  return { sql: values.map(() => '?').join(', '), params: [...values] };
}

/** A `CASE id WHEN ? THEN ? ... END` expression over per-event values. */
export function caseById(pairs: readonly (readonly [string, unknown])[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = 'CASE id';
  for (const [id, value] of pairs) {
    sql += ' WHEN ? THEN ?';
    params.push(id, value);
  }
  return { sql: `${sql} END`, params };
}

/** Escape a user string for `LIKE ... ESCAPE '!'`. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** A 32-bit FNV-1a hash: stable across processes, used to name per-key locks. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
