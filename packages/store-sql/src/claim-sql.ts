import { NON_FINAL } from './schema.js';

/** A row alias's "may be claimed now": pending/retry that is due, or processing with an expired lease. */
function dueSql(alias: string, now: string): string {
  return `((${alias}.status <> 'processing' AND ${alias}.available_at <= ${now}) OR (${alias}.status = 'processing' AND ${alias}.locked_until <= ${now}))`;
}

/**
 * Rows that may start or continue a key run: due and of a requested publisher, and, for a keyed
 * row, its key is under no live lease and the key's head (its earliest non-final event) is due and
 * of a requested publisher. The head condition keeps a key that waits (a retry in the future, a
 * scheduled event, a paused publisher) from filling the batch with rows the run cut would drop.
 * `requested(alias)` is the publisher condition on a row alias (already rendered), or undefined
 * for every publisher; the statement binds its parameters twice, for `e` and then for `h`.
 */
export function claimableSql(t: string, now: string, requested?: (alias: string) => string): string {
  const of = (alias: string) => (requested ? ` AND ${requested(alias)}` : '');
  const notOf = (alias: string) => (requested ? `NOT ${requested(alias)} OR ` : '');
  return `e.status IN ${NON_FINAL}
  AND ${dueSql('e', now)}${of('e')}
  AND (e.ordering_key IS NULL OR (
    NOT EXISTS (SELECT 1 FROM ${t} p
      WHERE p.ordering_key = e.ordering_key AND p.status = 'processing' AND p.locked_until > ${now})
    AND NOT EXISTS (SELECT 1 FROM ${t} h
      WHERE h.seq = (SELECT MIN(m.seq) FROM ${t} m WHERE m.ordering_key = e.ordering_key AND m.status IN ${NON_FINAL})
        AND (${notOf('h')}NOT ${dueSql('h', now)}))))`;
}

/**
 * From locked candidate rows (`candidates`: seq, ordering_key), the seqs that form key runs: for
 * each key, its candidates in order up to the first one with a non-final row of the key before it
 * that is not a candidate (skipped because another claimer holds it, filtered out, or not due).
 * Unkeyed candidates all pass. Each keyed candidate costs one index probe of the gap before it.
 */
export function keyRunsSql(t: string, candidates: string): string {
  return `SELECT seq FROM ${candidates} WHERE ordering_key IS NULL
UNION ALL
SELECT seq FROM (
  SELECT g.seq, MAX(g.gap) OVER (PARTITION BY g.ordering_key ORDER BY g.seq) AS cut FROM (
    SELECT c.seq, c.ordering_key, CASE WHEN EXISTS (SELECT 1 FROM ${t} o
        WHERE o.ordering_key = c.ordering_key AND o.status IN ${NON_FINAL} AND o.seq < c.seq AND o.seq > COALESCE(c.prev, 0))
      THEN 1 ELSE 0 END AS gap
    FROM (SELECT seq, ordering_key, LAG(seq) OVER (PARTITION BY ordering_key ORDER BY seq) AS prev
      FROM ${candidates} WHERE ordering_key IS NOT NULL) c
  ) g
) r WHERE r.cut = 0`;
}

/**
 * The same cut in code, for a dialect that locks candidates in one statement and leases in another
 * (MariaDB/MySQL): `nonFinal` holds every non-final row of the candidates' keys up to the last
 * candidate, as the database shows them after the lock.
 */
export function keyRunsOf<T extends Record<string, unknown>>(
  candidates: readonly T[],
  nonFinal: readonly Record<string, unknown>[],
): T[] {
  const taken = new Set(candidates.map((row) => Number(row.seq)));
  // For each key, the first non-final row that is not a candidate: the key's run ends before it.
  const stop = new Map<string, number>();
  for (const row of nonFinal) {
    const key = String(row.ordering_key);
    const seq = Number(row.seq);
    if (!taken.has(seq) && seq < (stop.get(key) ?? Number.POSITIVE_INFINITY)) stop.set(key, seq);
  }
  return candidates.filter(
    (row) =>
      row.ordering_key === null ||
      row.ordering_key === undefined ||
      Number(row.seq) < (stop.get(String(row.ordering_key)) ?? Number.POSITIVE_INFINITY),
  );
}
