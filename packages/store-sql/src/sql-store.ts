import { randomUUID } from 'node:crypto';
import {
  type ActivityReport,
  type ActivityRequest,
  type ClaimRequest,
  type CleanupRequest,
  EVENT_STATUSES,
  type EventStatus,
  type InsertContext,
  type ListPage,
  type ListRequest,
  type Logger,
  type MigrateResult,
  type NewEvent,
  type OutboxEvent,
  type OutcomeRecord,
  type RecordResult,
  type StoreDriver,
  type StoreHealth,
  type StoreStats,
  TransactionRequiredError,
} from '@dispatch/core';
import { activityReport } from './activity-sql.js';
import { CommitNotifier } from './commit-notifier.js';
import { INSERT_CHUNK } from './dialect.js';
import { dialectFor } from './dialects.js';
import type { SqlExecutor } from './executor.js';
import { listEvents } from './list-sql.js';
import { migrateSchema } from './migrate-sql.js';
import { NotifyListener } from './notify-listener.js';
import { ALL_COLUMNS, toEvent } from './row-mapping.js';
import { SqlTable, type SqlTableSettings } from './sql-table.js';
import { caseById, list } from './sql-text.js';
import { StatisticsKeeper } from './statistics-keeper.js';
import { checkVersion } from './version.js';

export interface SqlStoreSettings extends SqlTableSettings {
  /** Refuse to write outside a caller's transaction. */
  requireTransaction: boolean;
  /** The sentence of the TransactionRequiredError that says how to pass a transaction in this ORM. */
  transactionHint?: string | undefined;
  /** PostgreSQL: ANALYZE the table after slow claims when its statistics are stale. */
  analyzeWhenStale: boolean;
  logger: Logger;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

const bySequence = (a: OutboxEvent, b: OutboxEvent) => (a.sequence ?? 0) - (b.sequence ?? 0);

/**
 * The outbox store in SQL, on any ORM that provides a `SqlExecutor`: one set-based statement per
 * batch where the database allows, and every rule of the core store contract (see `StoreDriver`).
 */
export class SqlStoreDriver implements StoreDriver {
  readonly #executor: SqlExecutor;
  readonly #table: SqlTable;
  readonly #requireTransaction: boolean;
  readonly #transactionHint: string;
  readonly #logger: Logger;
  readonly #statistics: StatisticsKeeper | undefined;
  readonly #notifier: CommitNotifier | undefined;
  #listener: NotifyListener | undefined;
  #verified = false;

  constructor(executor: SqlExecutor, settings: SqlStoreSettings) {
    this.#executor = executor;
    this.#table = new SqlTable(executor, dialectFor(executor.dialect), settings);
    this.#requireTransaction = settings.requireTransaction;
    this.#transactionHint = settings.transactionHint ?? 'pass { transaction } with your open transaction';
    this.#logger = settings.logger;
    this.#statistics =
      executor.dialect === 'postgresql' && settings.analyzeWhenStale
        ? new StatisticsKeeper((sql, params) => this.#table.query(sql, params), this.#table.t, this.#logger)
        : undefined;
    const channel = this.#table.channel;
    this.#notifier =
      channel === false
        ? undefined
        : new CommitNotifier(
            // A prepared statement where the executor has them (the pg pool: the cheaper path).
            async () =>
              (await this.#table.prepared("SELECT pg_notify($1, '')", [channel])) ??
              this.#table.query("SELECT pg_notify(?, '')", [channel]),
            this.#logger,
          );
  }

  get #dialect() {
    return this.#table.dialect;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async connect(): Promise<void> {
    // SQLite has one connection: a check here would wait forever behind a caller's open
    // transaction (publishEvent as the first call inside one). It runs at first use instead.
    if (this.#dialect.name === 'sqlite') return;
    await this.#verify(undefined);
  }

  /** SQLite: the deferred connect check, run in the caller's transaction when there is one. */
  async #ensureVerified(trx?: unknown): Promise<void> {
    if (this.#dialect.name !== 'sqlite' || this.#verified) return;
    await this.#verify(trx);
    this.#verified = true;
  }

  async #verify(trx: unknown): Promise<void> {
    const table = this.#table;
    const [row] = await table.query(this.#dialect.versionSql, [], trx);
    checkVersion(this.#dialect.name, String(row?.n ?? ''));
    await this.#verifyTable(trx);
  }

  /** The table as the store needs it (columns, and the dialect's own checks); not the version. */
  async #verifyTable(trx: unknown): Promise<void> {
    const table = this.#table;
    try {
      await table.query(`SELECT ${ALL_COLUMNS.join(', ')} FROM ${table.t} WHERE 1 = 0`, [], trx);
      await this.#dialect.verify?.(table, trx);
    } catch (error) {
      throw table.outOfDate(error);
    }
  }

  async migrate(): Promise<MigrateResult> {
    this.#verified = false;
    // The table check only: the version is refused where claiming starts, as it always was.
    return migrateSchema(this.#table, this.#dialect, this.#executor, () => this.#verifyTable(undefined));
  }

  async close(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    this.#notifier?.stop();
    await this.#statistics?.running;
  }

  // ---- writing ---------------------------------------------------------------------------------

  async insert(events: readonly NewEvent[], context: InsertContext): Promise<void> {
    const caller = this.#executor.callerTransaction(context.transaction);
    // Refused before any I/O: on SQLite's one connection, the first-use table check would wait
    // behind the caller's open transaction instead of saying what is wrong.
    if (!caller && this.#requireTransaction) {
      throw new TransactionRequiredError(
        `This outbox store is configured with requireTransaction: ${this.#transactionHint}. Nothing was written.`,
      );
    }
    if (this.#dialect.name === 'sqlite' && !this.#verified) await this.#ensureVerified(caller?.handle);
    if (caller) {
      // The wake-up goes out after the caller's commit, not inside its transaction.
      await this.#insertIn(events, caller.handle, false);
      caller.onCommit(() => {
        this.#notifier?.committed();
        context.onCommit();
      });
      return;
    }
    if (this.#dialect.insertNeedsTransaction(events)) {
      await this.#executor.transaction((trx) => this.#insertIn(events, trx, true));
    } else {
      // One statement: atomic and committed on its own, its NOTIFY with it.
      await this.#insertIn(events, undefined, true);
    }
    context.onCommit();
  }

  async #insertIn(events: readonly NewEvent[], trx: unknown, notify: boolean): Promise<void> {
    // Every lock of the batch is taken up front in one ascending order, whatever the chunking.
    const keys = [...new Set(events.flatMap((event) => (event.key === null ? [] : [event.key])))];
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      // Held until the transaction ends, so only the first chunk needs to take them.
      await this.#dialect.insert(
        this.#table,
        events.slice(start, start + INSERT_CHUNK),
        start === 0 ? keys : [],
        trx,
        notify,
      );
    }
  }

  // ---- claiming --------------------------------------------------------------------------------

  async claim(request: ClaimRequest): Promise<OutboxEvent[]> {
    await this.#ensureVerified();
    const started = performance.now();
    const rows = await this.#dialect.claim(this.#table, request);
    this.#statistics?.claimed(performance.now() - started);
    return rows.map(toEvent).sort(bySequence);
  }

  async renew(owner: string, ids: readonly string[], leaseMs: number): Promise<string[]> {
    await this.#ensureVerified();
    const { t, now } = this.#table;
    const wanted = unique(ids);
    const inList = list(wanted);
    const where = `id IN (${inList.sql}) AND status = 'processing' AND lease_owner = ?`;
    const set = `UPDATE ${t} SET locked_until = ${now} + ? WHERE ${where}`;
    const params = [Math.ceil(leaseMs), ...inList.params, owner];
    if (this.#dialect.returning) {
      const rows = await this.#table.query(`${set} RETURNING id`, params);
      const renewed = new Set(rows.map((row) => String(row.id)));
      return wanted.filter((id) => renewed.has(id));
    }
    if ((await this.#table.run(set, params)) === wanted.length) return wanted;
    // Fewer rows changed: ask which ones this owner still holds (the lease was just extended, so
    // none of them can be taken over in between).
    const rows = await this.#table.query(`SELECT id FROM ${t} WHERE ${where}`, [...inList.params, owner]);
    const held = new Set(rows.map((row) => String(row.id)));
    return wanted.filter((id) => held.has(id));
  }

  // ---- outcomes --------------------------------------------------------------------------------

  async record(owner: string, outcomes: readonly OutcomeRecord[]): Promise<RecordResult> {
    await this.#ensureVerified();
    const table = this.#table;
    const { t, now } = table;
    // The first outcome for an id wins; a repeat would find the event no longer held, as in memory.
    const seen = new Set<string>();
    const duplicates: string[] = [];
    const groups = { published: [], retry: [], failed: [], released: [] } as {
      [K in OutcomeRecord['status']]: Extract<OutcomeRecord, { status: K }>[];
    };
    for (const outcome of outcomes) {
      if (seen.has(outcome.id)) {
        duplicates.push(outcome.id);
        continue;
      }
      seen.add(outcome.id);
      (groups[outcome.status] as OutcomeRecord[]).push(outcome);
    }
    // Without RETURNING, applied rows are tagged with a one-off token to learn which they were.
    const marker = this.#dialect.returning ? null : `~recorded:${randomUUID()}`;
    const release = `locked_until = NULL, lease_owner = ${marker === null ? 'NULL' : '?'}, updated_at = ${now}`;
    const releaseParams = marker === null ? [] : [marker];
    const history = (error: string) => this.#dialect.appendHistorySql(now, error);
    const fenced = (ids: string[]) => {
      const inList = list(ids);
      return {
        sql: `id IN (${inList.sql}) AND status = 'processing' AND lease_owner = ?`,
        params: [...inList.params, owner],
      };
    };
    const statements: { sql: string; params: unknown[] }[] = [];
    const applied = new Set<string>();

    if (groups.published.length > 0 && this.#dialect.recordPublished) {
      const done = await this.#dialect.recordPublished(
        table,
        owner,
        groups.published.map((o) => o.id),
      );
      if (done) {
        for (const id of done) applied.add(id);
        groups.published = [];
      }
    }
    if (groups.published.length > 0) {
      const where = fenced(groups.published.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${t} SET status = 'published', published_at = ${now}, ${release} WHERE ${where.sql}`,
        params: [...releaseParams, ...where.params],
      });
    }
    if (groups.retry.length > 0) {
      const delay = caseById(
        groups.retry.map((o) => [o.id, Math.max(0, Math.round(o.delayMs))]),
        this.#dialect.int('?'),
      );
      const error = caseById(groups.retry.map((o) => [o.id, String(o.error)]));
      const where = fenced(groups.retry.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${t} SET status = 'retry', available_at = ${now} + ${delay.sql}, last_error = ${error.sql},
  history = ${history(error.sql)}, ${release} WHERE ${where.sql}`,
        params: [...delay.params, ...error.params, ...error.params, ...releaseParams, ...where.params],
      });
    }
    if (groups.failed.length > 0) {
      const error = caseById(groups.failed.map((o) => [o.id, String(o.error)]));
      const where = fenced(groups.failed.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${t} SET status = 'failed', last_error = ${error.sql},
  history = ${history(error.sql)}, ${release} WHERE ${where.sql}`,
        params: [...error.params, ...error.params, ...releaseParams, ...where.params],
      });
    }
    if (groups.released.length > 0) {
      const delay = caseById(
        groups.released.map((o) => [o.id, Math.max(0, Math.round(o.delayMs ?? 0))]),
        this.#dialect.int('?'),
      );
      const where = fenced(groups.released.map((o) => o.id));
      // status first: MariaDB/MySQL evaluate assignments left to right, so it must read the old attempts.
      statements.push({
        sql: `UPDATE ${t} SET status = CASE WHEN attempts > 1 THEN 'retry' ELSE 'pending' END,
  attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, available_at = ${now} + ${delay.sql}, ${release}
WHERE ${where.sql}`,
        params: [...delay.params, ...releaseParams, ...where.params],
      });
    }

    if (marker === null) {
      for (const statement of statements) {
        const rows = await table.query(`${statement.sql} RETURNING id`, statement.params);
        for (const row of rows) applied.add(String(row.id));
      }
    } else {
      let changed = 0;
      for (const statement of statements) changed += await table.run(statement.sql, statement.params);
      if (changed === seen.size) for (const id of seen) applied.add(id);
      else if (changed > 0) {
        const inList = list([...seen]);
        const rows = await table.query(
          `SELECT id FROM ${t} WHERE id IN (${inList.sql}) AND lease_owner = ?`,
          [...inList.params, marker],
        );
        for (const row of rows) applied.add(String(row.id));
      }
    }
    const result: RecordResult = { applied: [], lost: [...duplicates] };
    for (const id of seen) (applied.has(id) ? result.applied : result.lost).push(id);
    return result;
  }

  // ---- operations ------------------------------------------------------------------------------

  async cleanup(request: CleanupRequest): Promise<number> {
    await this.#ensureVerified();
    const { t, now } = this.#table;
    const where = `status = ? AND updated_at <= ${now} - ?`;
    const params = [request.status, Math.floor(request.olderThanMs)];
    if (request.dryRun) {
      const [row] = await this.#table.query(`SELECT COUNT(*) AS n FROM ${t} WHERE ${where}`, params);
      return Number(row?.n ?? 0);
    }
    // Bounded batches: each statement deletes at most `limit` rows and holds its locks only that long.
    return this.#table.run(this.#dialect.cleanupSql(t, where), [...params, request.limit]);
  }

  async list(request: ListRequest): Promise<ListPage> {
    await this.#ensureVerified();
    return listEvents(this.#table, request);
  }

  async get(id: string): Promise<OutboxEvent | null> {
    await this.#ensureVerified();
    const [row] = await this.#table.query(`SELECT * FROM ${this.#table.t} WHERE id = ?`, [id]);
    return row ? toEvent(row) : null;
  }

  async requeue(ids: readonly string[]): Promise<number> {
    await this.#ensureVerified();
    const { t, now, channel } = this.#table;
    const inList = list(unique(ids));
    const count = await this.#table.run(
      `UPDATE ${t} SET status = 'pending', attempts = 0, available_at = ${now}, updated_at = ${now},
  locked_until = NULL, lease_owner = NULL WHERE id IN (${inList.sql}) AND status = 'failed'`,
      inList.params,
    );
    if (count > 0 && channel !== false) await this.#table.query("SELECT pg_notify(?, '')", [channel]);
    return count;
  }

  async fail(ids: readonly string[], reason: string): Promise<number> {
    await this.#ensureVerified();
    const { t, now } = this.#table;
    const inList = list(unique(ids));
    return this.#table.run(
      `UPDATE ${t} SET status = 'failed', last_error = ?, history = ${this.#dialect.appendHistorySql(now, '?')},
  updated_at = ${now} WHERE id IN (${inList.sql}) AND status IN ('pending', 'retry')`,
      [reason, reason, ...inList.params],
    );
  }

  async stats(): Promise<StoreStats> {
    await this.#ensureVerified();
    const { t, now } = this.#table;
    const rows = await this.#table.query(
      `SELECT backend, status, COUNT(*) AS n,
  SUM(CASE WHEN status = 'processing' AND locked_until > ${now} THEN 1 ELSE 0 END) AS in_flight,
  MIN(CASE WHEN status IN ('pending', 'retry') AND available_at <= ${now} THEN available_at END) AS oldest,
  MAX(${now}) AS now_ms
FROM ${t} GROUP BY backend, status`,
    );
    const empty = (): Record<EventStatus, number> =>
      Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
    const stats: StoreStats = { counts: empty(), oldestPendingAgeMs: null, inFlight: 0, byBackend: {} };
    for (const row of rows) {
      const status = String(row.status) as EventStatus;
      const publisher = String(row.backend);
      const count = Number(row.n);
      if (!(status in stats.counts)) continue;
      stats.counts[status] += count;
      stats.byBackend[publisher] ??= empty();
      (stats.byBackend[publisher] as Record<EventStatus, number>)[status] += count;
      stats.inFlight += Number(row.in_flight ?? 0);
      if (row.oldest !== null && row.oldest !== undefined) {
        const age = Math.max(0, Number(row.now_ms) - Number(row.oldest));
        stats.oldestPendingAgeMs = Math.max(stats.oldestPendingAgeMs ?? 0, age);
      }
    }
    return stats;
  }

  async activity(request: ActivityRequest): Promise<ActivityReport> {
    await this.#ensureVerified();
    return activityReport(this.#table, request);
  }

  async health(): Promise<StoreHealth> {
    try {
      const [row] = await this.#table.query(`SELECT ${this.#table.now} AS now_ms`);
      return {
        ok: true,
        details: {
          dialect: this.#dialect.name,
          table: this.#table.names.table,
          clockSkewMs: Number(row?.now_ms) - Date.now(),
        },
      };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    const channel = this.#table.channel;
    if (channel === false || !this.#executor.listen) return async () => {};
    this.#listener ??= new NotifyListener(
      this.#executor,
      this.#dialect.quote(channel),
      channel,
      this.#logger,
    );
    return this.#listener.add(listener);
  }
}
