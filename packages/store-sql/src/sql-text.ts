/** `?, ?, ?` for a list of values bound one parameter each (every driver binds scalars). */
export function list(values: readonly unknown[]): { sql: string; params: unknown[] } {
  return { sql: values.map(() => '?').join(', '), params: [...values] };
}

/** A `CASE id WHEN ? THEN ? ... END` expression over per-event values (`value`: the THEN placeholder). */
export function caseById(
  pairs: readonly (readonly [string, unknown])[],
  value = '?',
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = 'CASE id';
  for (const [id, value_] of pairs) {
    sql += ` WHEN ? THEN ${value}`;
    params.push(id, value_);
  }
  return { sql: `${sql} END`, params };
}

/** Escape a user string for `LIKE ... ESCAPE '!'`. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/** A 32-bit FNV-1a hash: stable across processes, used to name per-key locks and prepared statements. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/**
 * `?` placeholders as `$1, $2, ...` (PostgreSQL's own), leaving quoted literals and identifiers
 * alone. The store writes every statement with `?`; the dialect renders it.
 */
export function numberedPlaceholders(sql: string): string {
  if (!sql.includes('?')) return sql;
  let n = 0;
  // A quoted run matches whole and stays as it is; only a bare `?` is numbered.
  return sql.replace(QUOTED_OR_PLACEHOLDER, (match) => (match === '?' ? `$${++n}` : match));
}

const QUOTED_OR_PLACEHOLDER = /'[^']*'|"[^"]*"|\?/g;

/**
 * `$1, $2, ...` back to `?`, for an executor whose ORM binds `?` on every database (MikroORM,
 * knex). Only for statements the store rendered: each number appears once, in order.
 */
export function questionPlaceholders(sql: string): string {
  return sql.replace(/\$\d+/g, '?');
}
