import { type ActivityReport, type ActivityRequest, activityBuckets } from '@dispatch/core';
import { NON_FINAL } from './schema.js';
import type { SqlTable } from './sql-table.js';

/**
 * Counts per time bucket in one statement that reads only two kinds of rows, each through an index
 * the claim and cleanup paths already keep, so no index is added: events that finished inside the
 * window (`status`, `updated_at`: the cleanup index; a published event's `updated_at` is its
 * `published_at`) and events not final yet (the due index on PostgreSQL and SQLite, `status, seq`
 * on MariaDB/MySQL). The published history older than the window is never read.
 */
export async function activityReport(table: SqlTable, request: ActivityRequest): Promise<ActivityReport> {
  const { t, now } = table;
  const int = table.dialect.int;
  const [clock] = await table.query(`SELECT ${now} AS now_ms`);
  const nowMs = Number(clock?.now_ms);
  const width = request.bucketMs;
  const counts = activityBuckets(request, nowMs);
  const { first } = counts;
  // Bucket starts, as epoch ms; -1 marks "created before the window".
  const createdBucket = `CASE WHEN created_at < ${int('?')} THEN -1 ELSE created_at - (created_at % ${int('?')}) END`;
  // One branch per final status: with `status = ?` the planner takes the cleanup index
  // (status, updated_at) for the window; an IN list of both made PostgreSQL scan the whole table.
  const finished = (status: string) =>
    `SELECT status, ${createdBucket} AS created_at_bucket, updated_at - (updated_at % ${int('?')}) AS done_bucket, COUNT(*) AS n
FROM ${t} WHERE status = '${status}' AND updated_at >= ${int('?')} GROUP BY status, 2, 3`;
  const rows = await table.query(
    `${finished('published')}
UNION ALL
${finished('failed')}
UNION ALL
SELECT 'open', ${createdBucket}, -1, COUNT(*) FROM ${t} WHERE status IN ${NON_FINAL} GROUP BY 2`,
    [first, width, width, first, first, width, width, first, first, width],
  );
  for (const row of rows) {
    const createdAt = Number(row.created_at_bucket);
    const status = String(row.status);
    counts.add(
      Number(row.n),
      createdAt === -1 ? null : createdAt,
      status === 'open'
        ? undefined
        : { status: status as 'published' | 'failed', at: Number(row.done_bucket) },
    );
  }
  return counts.report();
}
