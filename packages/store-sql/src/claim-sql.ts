import { NON_FINAL } from './schema.js';

/** A row alias's "may be claimed now": pending/retry that is due, or processing with an expired lease. */
export function dueSql(alias: string, now: string): string {
  return `((${alias}.status <> 'processing' AND ${alias}.available_at <= ${now}) OR (${alias}.status = 'processing' AND ${alias}.locked_until <= ${now}))`;
}

/**
 * How many rows a claim looks at, as a multiple of its limit. Rows of keys held by another lease
 * count toward it, so a claim that finds every key of the backlog held costs this many rows at
 * most, not the whole backlog.
 */
export const WINDOW_FACTOR = 4;

/**
 * The rows a claim looks at, oldest first: due and of a requested publisher, and, for a keyed row,
 * its key's head (earliest non-final event) is due, of a requested publisher, or under a live
 * lease. A key whose head waits (a retry in the future, a scheduled event, a paused publisher) is
 * passed over, so it never fills the window; a leased key's rows stay in it and are left out after
 * the window is cut. `requested(alias)` is the publisher condition (already rendered) or undefined
 * for all; its parameters are bound twice, for `e` and then for `h`.
 */
function windowSql(t: string, now: string, requested?: (alias: string) => string): string {
  const of = requested ? ` AND ${requested('e')}` : '';
  const notOf = requested ? `NOT ${requested('h')} OR ` : '';
  // A leased key is looked up first: one lookup in a small set, where the head costs two probes.
  return `e.status IN ${NON_FINAL}
  AND ${dueSql('e', now)}${of}
  AND (e.ordering_key IS NULL OR ${leasedSql(t, now, 'e')} OR NOT EXISTS (SELECT 1 FROM ${t} h
    WHERE h.seq = (SELECT m.seq FROM ${t} m WHERE m.ordering_key = e.ordering_key AND m.status IN ${NON_FINAL}
        ORDER BY m.ordering_key, m.seq LIMIT 1)
      AND (${notOf}(h.status <> 'processing' AND h.available_at > ${now}))))`;
}

/**
 * The rows a claim chooses (columns `seq`, `ordering_key`): the first `limit` rows of the window
 * (`window` rows, oldest first) whose key is under no live lease (with `continuing`, none but the
 * claiming owner's). Nothing is locked yet: the caller locks the chosen rows with SKIP LOCKED,
 * checks they are still due, and cuts them to key runs. Parameters, for `?` dialects: the
 * publishers twice (when `requested`), the window, the owner (when `continuing`), the limit.
 */
export function chosenSql(
  t: string,
  now: string,
  requested: ((alias: string) => string) | undefined,
  window: string,
  limit: string,
  continuing?: { owner: string } | undefined,
): string {
  return `SELECT w.seq, w.ordering_key FROM (
  SELECT e.seq, e.ordering_key FROM ${t} e WHERE ${windowSql(t, now, requested)}
  ORDER BY e.seq LIMIT ${window}) w
WHERE w.ordering_key IS NULL OR NOT ${leasedSql(t, now, 'w', continuing?.owner)}
LIMIT ${limit}`;
}

/** The row's key is under a live lease (of an owner other than `except`, when given). */
function leasedSql(t: string, now: string, alias: string, except?: string): string {
  // "IS NOT NULL" lets the lease index serve this check also when it is planned as one hashed set.
  return `EXISTS (SELECT 1 FROM ${t} p WHERE p.ordering_key = ${alias}.ordering_key AND p.ordering_key IS NOT NULL
    AND p.status = 'processing' AND p.locked_until > ${now}${except ? ` AND p.lease_owner <> ${except}` : ''})`;
}

/** A non-final row alias that is not one of `owner`'s live leases (which a continuing claim goes past). */
export function notOwnLeaseSql(alias: string, now: string, owner: string): string {
  return `NOT (${alias}.status = 'processing' AND ${alias}.lease_owner = ${owner} AND ${alias}.locked_until > ${now})`;
}

/**
 * From locked candidate rows (`candidates`: seq, ordering_key), the seqs that form key runs: for
 * each key, its candidates in order up to the first one with a non-final row of the key before it
 * that is not a candidate (skipped because another claimer holds it, filtered out, or not due),
 * leaving out, with `continuing`, the owner's own live leases. Unkeyed candidates all pass. Each
 * keyed candidate costs one index probe of the gap before it. Parameters: the owner (`continuing`).
 */
export function keyRunsSql(
  t: string,
  candidates: string,
  continuing?: { owner: string; now: string },
): string {
  const own = continuing ? ` AND ${notOwnLeaseSql('o', continuing.now, continuing.owner)}` : '';
  return `SELECT seq FROM ${candidates} WHERE ordering_key IS NULL
UNION ALL
SELECT seq FROM (
  SELECT g.seq, MAX(g.gap) OVER (PARTITION BY g.ordering_key ORDER BY g.seq) AS cut FROM (
    SELECT c.seq, c.ordering_key, CASE WHEN EXISTS (SELECT 1 FROM ${t} o
        WHERE o.ordering_key = c.ordering_key AND o.status IN ${NON_FINAL} AND o.seq < c.seq AND o.seq > COALESCE(c.prev, 0)${own})
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
