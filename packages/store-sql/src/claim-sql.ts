import { NON_FINAL } from './schema.js';

/**
 * The values of one claim statement. Each member renders its placeholder where it is written: a
 * fixed `$n` in a prepared text, or `?` that binds the value in textual order (see `Bindings`).
 */
export interface ClaimValues {
  owner: () => string;
  limit: () => string;
  /** How many rows the claim looks at (`WINDOW_FACTOR` × limit). */
  window: () => string;
  lease: () => string;
  /** The publisher condition on a row alias; undefined: every publisher. */
  requested?: ((alias: string) => string) | undefined;
  /** `continueRuns`: the owner's own leases do not hold its keys back. */
  continuing: boolean;
}

/** `?` placeholders whose values are collected in the order the statement is written. */
export class Bindings {
  readonly params: unknown[] = [];

  bind(value: unknown): string {
    this.params.push(value);
    return '?';
  }

  /** The `?` values of a claim request (no prepared text). */
  claim(request: {
    owner: string;
    limit: number;
    leaseMs: number;
    backends?: readonly string[] | undefined;
    continueRuns?: boolean | undefined;
  }): ClaimValues {
    const backends = request.backends;
    return {
      owner: () => this.bind(request.owner),
      limit: () => this.bind(request.limit),
      window: () => this.bind(WINDOW_FACTOR * request.limit),
      lease: () => this.bind(Math.ceil(request.leaseMs)),
      requested: backends
        ? (alias) => `${alias}.backend IN (${backends.map((name) => this.bind(name)).join(', ')})`
        : undefined,
      continuing: request.continueRuns === true,
    };
  }
}

/** A row alias's "may be claimed now": pending/retry that is due, or processing with an expired lease. */
export function dueSql(alias: string, now: string): string {
  return `((${alias}.status <> 'processing' AND ${alias}.available_at <= ${now}) OR (${alias}.status = 'processing' AND ${alias}.locked_until <= ${now}))`;
}

/**
 * How many rows a claim looks at, as a multiple of its limit. Rows of keys held by another lease
 * count toward it, so a claim that finds every key of the backlog held costs this many rows at
 * most, not the whole backlog. Kept small: on PostgreSQL the window's planned cost counts toward
 * the claim's, and at 4 a keyed claim of 500 passed `jit_above_cost` and paid JIT compilation on
 * every run (127 ms against 15 ms).
 */
export const WINDOW_FACTOR = 2;

/**
 * The rows a claim looks at (`alias`), oldest first: due and of a requested publisher, and, for a
 * keyed row, its key's head (earliest non-final event) is due, of a requested publisher, or under
 * a live lease. A key whose head waits (a retry in the future, a scheduled event, a paused
 * publisher) is passed over, so it never fills the window; a leased key's rows stay in it and are
 * left out when the claim chooses.
 */
function windowSql(t: string, now: string, alias: string, values: ClaimValues, head?: string): string {
  const { requested } = values;
  const of = requested ? ` AND ${requested(alias)}` : '';
  // A leased key is looked up first: one lookup in a small set, where the head costs a probe.
  const leased = leasedSql(t, now, alias);
  const waits = (h: string) =>
    `${requested ? `NOT ${requested(h)} OR ` : ''}(${h}.status <> 'processing' AND ${h}.available_at > ${now})`;
  const headWaits = head
    ? `COALESCE(${waits(head)}, false)`
    : `EXISTS (SELECT 1 FROM ${t} h
    WHERE h.seq = (SELECT m.seq FROM ${t} m WHERE m.ordering_key = ${alias}.ordering_key AND m.status IN ${NON_FINAL}
        ORDER BY m.ordering_key, m.seq LIMIT 1)
      AND (${waits('h')}))`;
  return `${alias}.status IN ${NON_FINAL}
  AND ${dueSql(alias, now)}${of}
  AND (${alias}.ordering_key IS NULL OR ${leased} OR NOT ${headWaits})`;
}

/**
 * A row alias's key head, for a LATERAL join (PostgreSQL): its earliest non-final event, or, when
 * continuing, the earliest that is not one of the owner's live leases. Joined, not a sub-select,
 * so the planner memoizes it per key: a claim of 500 events of one key looks its head up once.
 * `floor`, the earliest seq the claim could take, starts the key's index range there: without it,
 * each lookup first steps over the key's published rows that vacuum has not yet removed.
 */
function headSql(t: string, now: string, alias: string, values: ClaimValues, floor?: () => string): string {
  // Below the floor every row is final or the owner's own live lease; above it, the owner's own
  // leases still do not count (a batch of its own need not be one range of seqs).
  const own = values.continuing ? ` AND ${notOwnLeaseSql('m', now, values.owner())}` : '';
  // The outer-only condition comes first: for an unkeyed row the lookup (and the floor) never runs.
  const from = floor ? ` AND m.seq >= ${floor()}` : '';
  return `SELECT m.seq, m.status, m.available_at, m.backend FROM ${t} m
    WHERE ${alias}.ordering_key IS NOT NULL AND m.ordering_key = ${alias}.ordering_key${from} AND m.status IN ${NON_FINAL}${own} ORDER BY m.ordering_key, m.seq LIMIT 1`;
}

/** The row's key is under a live lease (of an owner other than the claiming one, when continuing). */
function leasedSql(t: string, now: string, alias: string, except?: () => string): string {
  // "IS NOT NULL" lets the lease index serve this check also when it is planned as one hashed set.
  return `EXISTS (SELECT 1 FROM ${t} p WHERE p.ordering_key = ${alias}.ordering_key AND p.ordering_key IS NOT NULL
    AND p.status = 'processing' AND p.locked_until > ${now}${except ? ` AND p.lease_owner <> ${except()}` : ''})`;
}

/** Keys held by another claimer are left out (with `continuing`, the owner's own leases are not). */
function notHeldSql(t: string, now: string, alias: string, values: ClaimValues): string {
  return `(${alias}.ordering_key IS NULL OR NOT ${leasedSql(t, now, alias, values.continuing ? values.owner : undefined)})`;
}

/**
 * The rows a claim chooses (columns `seq`, `ordering_key`): the first `limit` rows of the window
 * whose key is held by no other claimer. Nothing is locked: the caller locks the chosen rows with
 * SKIP LOCKED, checks they are still due, and cuts them to key runs (MariaDB/MySQL, SQLite).
 */
export function chosenSql(t: string, now: string, values: ClaimValues): string {
  return `SELECT w.seq, w.ordering_key FROM (
  SELECT e.seq, e.ordering_key FROM ${t} e WHERE ${windowSql(t, now, 'e', values)}
  ORDER BY e.seq LIMIT ${values.window()}) w
WHERE ${notHeldSql(t, now, 'w', values)}
LIMIT ${values.limit()}`;
}

/**
 * The same choice, locked as it is read (PostgreSQL, in a CTE): `limit` rows of the window whose
 * key no other claimer holds, `FOR UPDATE SKIP LOCKED`. While another claimer holds keyed rows,
 * rows past the window are passed over with one comparison, before the probes of the key rules,
 * so a claim that finds every key held costs the window plus a cheap pass over the rest; with no
 * such lease (one worker, or no keys) it is a plain locked scan.
 */
export function lockedChoiceSql(t: string, now: string, values: ClaimValues, floor?: () => string): string {
  // Rendered in the order they are written, for `?` placeholders. The window's bound is a filter,
  // not an index condition: as one, it made the scan slow down with every batch drained before
  // vacuum. The floor is one: the scan starts past the rows that cannot be claimed.
  const head = headSql(t, now, 'e', values, floor);
  const from = floor ? `e.seq >= ${floor()} AND ` : '';
  const claimable = `${from}${windowSql(t, now, 'e', values, 'hd')} AND ${notHeldSql(t, now, 'e', values)}`;
  const other = values.continuing ? ` AND p.lease_owner <> ${values.owner()}` : '';
  const held = `SELECT 1 FROM ${t} p WHERE p.ordering_key IS NOT NULL AND p.status = 'processing' AND p.locked_until > ${now}${other}`;
  const window = `SELECT x.seq FROM ${t} x WHERE ${windowSql(t, now, 'x', values)} ORDER BY x.seq LIMIT ${values.window()}`;
  return `SELECT e.seq, e.ordering_key, hd.seq AS head FROM ${t} e LEFT JOIN LATERAL (${head}) hd ON true
WHERE ${claimable}
  AND (NOT EXISTS (${held}) OR e.seq <= (SELECT MAX(b.seq) FROM (${window}) b))
ORDER BY e.seq LIMIT ${values.limit()} FOR UPDATE OF e SKIP LOCKED`;
}

/** A non-final row alias that is not one of `owner`'s live leases (which a continuing claim goes past). */
export function notOwnLeaseSql(alias: string, now: string, owner: string): string {
  return `NOT (${alias}.status = 'processing' AND ${alias}.lease_owner = ${owner} AND ${alias}.locked_until > ${now})`;
}

/**
 * From locked candidate rows (`candidates`: seq, ordering_key), the seqs that form key runs: for
 * each key, its candidates in order up to the first one with a non-final row of the key before it
 * that is not a candidate (skipped because another claimer holds it, filtered out, or not due),
 * leaving out, when continuing, the owner's own live leases. Unkeyed candidates all pass. Each
 * keyed candidate costs one index probe of the gap before it.
 */
export function keyRunsSql(
  t: string,
  now: string,
  candidates: string,
  values: ClaimValues,
  options: { withHead?: boolean } = {},
): string {
  const own = values.continuing ? ` AND ${notOwnLeaseSql('o', now, values.owner())}` : '';
  const probe = `EXISTS (SELECT 1 FROM ${t} o
        WHERE o.ordering_key = c.ordering_key AND o.status IN ${NON_FINAL} AND o.seq < c.seq AND o.seq > COALESCE(c.prev, 0)${own})`;
  // A key's first candidate has a gap before it exactly when the key's head (as `headSql` finds
  // it) comes before it; candidates that carry their head need no probe for it.
  const gap = options.withHead
    ? `(c.prev IS NULL AND c.head < c.seq) OR (c.prev IS NOT NULL AND ${probe})`
    : probe;
  return `SELECT seq FROM ${candidates} WHERE ordering_key IS NULL
UNION ALL
SELECT seq FROM (
  SELECT g.seq, MAX(g.gap) OVER (PARTITION BY g.ordering_key ORDER BY g.seq) AS cut FROM (
    SELECT c.seq, c.ordering_key, CASE WHEN ${gap}
      THEN 1 ELSE 0 END AS gap
    FROM (SELECT seq, ordering_key, LAG(seq) OVER (PARTITION BY ordering_key ORDER BY seq) AS prev${options.withHead ? ', head' : ''}
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
