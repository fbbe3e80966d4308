import { randomUUID } from 'node:crypto';
import {
  type ClaimRequest,
  type CleanupRequest,
  EVENT_STATUSES,
  type EventStatus,
  type InsertContext,
  InvalidArgumentError,
  type ListPage,
  type ListRequest,
  type Logger,
  type NewEvent,
  type OutboxEvent,
  type OutcomeRecord,
  type RecordResult,
  type StoreDriver,
  type StoreHealth,
  StoreNotReadyError,
  type StoreStats,
  TransactionRequiredError,
} from '@dispatch/core';
import { CommitHooks } from './commit-hooks.js';
import { NotifyListener } from './notify-listener.js';
import type { ConnectionLike, EntityManagerLike, QueryMethod, RunResult } from './orm-types.js';
import { isEntityManager } from './orm-types.js';
import { ALL_COLUMNS, INSERT_COLUMNS, insertValues, type Row, toEvent } from './row-mapping.js';
import {
  createTableSql,
  KEY_LOCK_BUCKETS,
  keyLockRowsSql,
  mysqlIndexes,
  type TableNames,
  tableNames,
} from './schema-sql.js';
import { appendHistorySql, caseById, fnv1a, likePattern, list, nowSql } from './sql-dialect.js';
import { StatisticsKeeper } from './statistics-keeper.js';
import { checkVersion, type DialectKind } from './version.js';

export interface DriverSettings {
  em: EntityManagerLike;
  kind: DialectKind;
  tableName: string;
  requireTransaction: boolean;
  notifyChannel: string | false;
  preparedStatements: boolean;
  /** PostgreSQL: ANALYZE the table after slow claims when its statistics are stale. */
  analyzeWhenStale: boolean;
  logger: Logger;
}

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/** MikroORM 6: the knex instance behind the connection, whose pool hands out pg clients. */
interface KnexPool {
  client?: {
    acquireConnection(): Promise<PgQueryable>;
    releaseConnection(client: PgQueryable): Promise<unknown>;
  };
}

/** Statuses a claimable or in-flight event can have; final ones never block a key. */
const NON_FINAL = `('pending', 'retry', 'processing')`;
/**
 * PostgreSQL: commit the claim without waiting for its WAL flush. A lease lost in a crash only
 * offers the event again (at least once either way), and the outcome write that follows is
 * synchronous, which flushes the claim's WAL before it too. Local to the claim's own transaction.
 */
const ASYNC_COMMIT_CTE = `no_flush AS (SELECT set_config('synchronous_commit', 'off', true))`;
/** Rows per INSERT statement, so one huge batch never builds a giant SQL string. */
const INSERT_CHUNK = 500;

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * The outbox store on MikroORM's connection: native SQL, one set-based statement per batch where the
 * dialect allows, and every rule of the core store contract (see `StoreDriver`).
 */
export class MikroOrmStoreDriver implements StoreDriver {
  readonly #em: EntityManagerLike;
  readonly #kind: DialectKind;
  readonly #names: TableNames;
  readonly #t: string;
  readonly #now: string;
  readonly #requireTransaction: boolean;
  readonly #channel: string | false;
  readonly #preparedStatements: boolean;
  readonly #logger: Logger;
  readonly #hooks: CommitHooks;
  readonly #lockNamespace: number;
  readonly #statistics: StatisticsKeeper | undefined;
  readonly #preparedClaims = new Map<boolean, string>();
  #listener: NotifyListener | undefined;
  #verified = false;

  constructor(settings: DriverSettings) {
    this.#em = settings.em;
    this.#kind = settings.kind;
    this.#names = tableNames(settings.tableName);
    this.#t = this.#q(settings.tableName);
    this.#now = nowSql(settings.kind);
    this.#requireTransaction = settings.requireTransaction;
    this.#channel = settings.kind === 'postgresql' ? settings.notifyChannel : false;
    this.#preparedStatements = settings.kind === 'postgresql' && settings.preparedStatements;
    this.#logger = settings.logger;
    this.#hooks = new CommitHooks((error) =>
      this.#logger.error({ error: (error as Error)?.message }, 'an onCommit callback threw'),
    );
    this.#lockNamespace = fnv1a(`dispatch:${settings.tableName}`);
    this.#statistics =
      settings.kind === 'postgresql' && settings.analyzeWhenStale
        ? new StatisticsKeeper((sql, params) => this.#all(sql, params), this.#t, this.#logger)
        : undefined;
    // Wrap the connection's begin/commit/rollback now, before the transactions we will be handed start.
    this.#hooks.listen(settings.em);
  }

  #q(name: string): string {
    return this.#em.getPlatform().quoteIdentifier(name);
  }

  #connection(): ConnectionLike {
    return this.#em.getConnection('write');
  }

  async #all(sql: string, params: unknown[] = [], ctx?: unknown): Promise<Row[]> {
    const result = await this.#execute(this.#connection(), sql, params, 'all', ctx);
    return (Array.isArray(result) ? result : []) as Row[];
  }

  async #run(sql: string, params: unknown[] = [], ctx?: unknown): Promise<RunResult> {
    return (await this.#execute(this.#connection(), sql, params, 'run', ctx)) as RunResult;
  }

  /**
   * PostgreSQL hot paths (claim, record published): a named prepared statement on the pg client
   * under MikroORM's pool, so PostgreSQL can reuse the plan of the claim query instead of planning
   * its subqueries on every call. `undefined` when the driver offers no pg client (then the caller
   * falls back to `connection.execute`). Never used inside a caller's transaction.
   */
  async #prepared(text: string, values: unknown[]): Promise<Row[] | undefined> {
    if (!this.#preparedStatements) return undefined;
    const connection = this.#connection();
    const name = `dispatch_${(fnv1a(text) >>> 0).toString(36)}`;
    try {
      const knex = connection.getKnex?.() as KnexPool | undefined;
      if (typeof knex?.client?.acquireConnection === 'function') {
        const client = await knex.client.acquireConnection();
        try {
          return (await client.query({ name, text, values })).rows;
        } finally {
          await knex.client.releaseConnection(client);
        }
      }
      const pool = (await connection.getNativeClient?.()) as PgQueryable | undefined;
      if (typeof pool?.query === 'function') return (await pool.query({ name, text, values })).rows;
    } catch (error) {
      throw this.#notReady(error) ?? error;
    }
    return undefined;
  }

  /** Every statement goes through here, so a table dropped at runtime reads as "run dispatch migrate". */
  async #execute(
    connection: ConnectionLike,
    sql: string,
    params: unknown[],
    method: QueryMethod,
    ctx: unknown,
  ): Promise<unknown> {
    try {
      return await connection.execute(sql, params, method, ctx);
    } catch (error) {
      throw this.#notReady(error) ?? error;
    }
  }

  #notReady(error: unknown): StoreNotReadyError | undefined {
    // MikroORM maps each driver's "no such table" to TableNotFoundException.
    let converted: unknown = error;
    try {
      if (error instanceof Error) converted = this.#em.getDriver().convertException?.(error) ?? error;
    } catch {
      converted = error;
    }
    for (let proto = Object.getPrototypeOf(converted ?? {}); proto && proto !== Error.prototype; ) {
      if (proto.constructor?.name === 'TableNotFoundException') {
        return new StoreNotReadyError(
          `The outbox table "${this.#names.table}" does not exist. Run \`dispatch migrate\` ` +
            '(or add the MikroORM migration from @dispatch/orm-mikro/migration) and start again.',
          { cause: error },
        );
      }
      proto = Object.getPrototypeOf(proto);
    }
    return undefined;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async connect(): Promise<void> {
    // SQLite has one pooled connection: a check here would wait forever behind a caller's open
    // transaction (publishEvent as the first call inside em.transactional). It runs at first use instead.
    if (this.#kind === 'sqlite') return;
    await this.#verify(undefined);
  }

  /** SQLite: the deferred connect check, run in the caller's transaction when there is one. */
  async #ensureVerified(ctx?: unknown): Promise<void> {
    if (this.#kind !== 'sqlite' || this.#verified) return;
    await this.#verify(ctx);
    this.#verified = true;
  }

  async #verify(ctx: unknown): Promise<void> {
    const versionSql =
      this.#kind === 'postgresql'
        ? "SELECT current_setting('server_version') AS n"
        : this.#kind === 'mysql'
          ? 'SELECT VERSION() AS n'
          : 'SELECT sqlite_version() AS n';
    const [row] = await this.#all(versionSql, [], ctx);
    checkVersion(this.#kind, String(row?.n ?? ''));
    try {
      await this.#all(`SELECT ${ALL_COLUMNS.join(', ')} FROM ${this.#t} WHERE 1 = 0`, [], ctx);
      if (this.#kind === 'mysql') {
        const [locks] = await this.#all(
          `SELECT COUNT(*) AS n FROM ${this.#q(this.#names.keyLocks)}`,
          [],
          ctx,
        );
        if (Number(locks?.n) < KEY_LOCK_BUCKETS) throw new Error(`${this.#names.keyLocks} is not filled`);
      }
    } catch (error) {
      throw new StoreNotReadyError(
        `The outbox table "${this.#names.table}" is missing or out of date (${(error as Error).message}). ` +
          'Run `dispatch migrate` (or add the MikroORM migration from @dispatch/orm-mikro/migration) and start again.',
        { cause: error },
      );
    }
  }

  async migrate(): Promise<void> {
    this.#verified = false;
    const q = (name: string) => this.#q(name);
    for (const sql of createTableSql(this.#kind, q, this.#names)) await this.#run(sql);
    if (this.#kind === 'mysql') {
      // CREATE TABLE IF NOT EXISTS leaves an older table as it was: add the indexes it lacks.
      const schema = this.#names.table.includes('.') ? '?' : 'DATABASE()';
      const rows = await this.#all(
        `SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = ${schema} AND table_name = ?`,
        this.#names.table.includes('.') ? this.#names.table.split('.') : [this.#names.base],
      );
      const present = new Set(rows.map((row) => String(row.name ?? row.NAME ?? row.INDEX_NAME)));
      for (const index of mysqlIndexes(this.#names)) {
        if (!present.has(index.name))
          await this.#run(`CREATE INDEX ${q(index.name)} ON ${this.#t} (${index.columns})`);
      }
      await this.#run(keyLockRowsSql(q, this.#names));
    }
  }

  async close(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    await this.#statistics?.running;
  }

  // ---- writing ---------------------------------------------------------------------------------

  /** The caller's transaction: explicit `em`, else MikroORM's ambient one, else none. */
  #callerTransaction(transaction: unknown): { em: EntityManagerLike; trx: unknown } | undefined {
    if (transaction !== undefined && transaction !== null) {
      if (!isEntityManager(transaction)) {
        throw new InvalidArgumentError(
          'The MikroORM store expects { transaction: em } with the EntityManager of your transaction ' +
            '(the `em` that em.transactional() passes to its callback). Nothing was written.',
        );
      }
      const em = transaction.getContext?.(false) ?? transaction;
      if (em.isInTransaction()) return { em, trx: em.getTransactionContext() };
      return undefined;
    }
    // Ambient: em.transactional() / @Transactional() register their fork in MikroORM's context.
    const ambient = this.#em.getContext?.(false) ?? this.#em;
    if (ambient.isInTransaction()) return { em: ambient, trx: ambient.getTransactionContext() };
    return undefined;
  }

  async insert(events: readonly NewEvent[], context: InsertContext): Promise<void> {
    const caller = this.#callerTransaction(context.transaction);
    await this.#ensureVerified(caller?.trx);
    if (caller) {
      await this.#insertIn(events, caller.trx, caller.em.getConnection('write'));
      this.#hooks.register(caller.em, caller.trx, context.onCommit);
      return;
    }
    if (this.#requireTransaction) {
      throw new TransactionRequiredError(
        'This outbox store is configured with requireTransaction: call publishEvent inside em.transactional() ' +
          'or @Transactional(), or pass { transaction: em }. Nothing was written.',
      );
    }
    const keyed = events.some((event) => event.key !== null);
    if (this.#kind === 'mysql' && (keyed || events.length > INSERT_CHUNK)) {
      // The key lock only means something inside a transaction.
      await this.#connection().transactional((trx) => this.#insertIn(events, trx, this.#connection()));
    } else if (this.#kind !== 'mysql' && events.length > INSERT_CHUNK) {
      await this.#connection().transactional((trx) => this.#insertIn(events, trx, this.#connection()));
    } else {
      // One statement: atomic and committed on its own.
      await this.#insertIn(events, undefined, this.#connection());
    }
    context.onCommit();
  }

  async #insertIn(events: readonly NewEvent[], trx: unknown, connection: ConnectionLike): Promise<void> {
    // Every lock of the batch is taken up front in one ascending order, whatever the chunking.
    const keys = [...new Set(events.flatMap((event) => (event.key === null ? [] : [event.key])))];
    if (this.#kind === 'mysql' && keys.length > 0) {
      // Producers of one key queue here until the holder commits, so the key's rows get their
      // sequence numbers in commit order (GET_LOCK would survive a commit or rollback).
      const buckets = [...new Set(keys.map((key) => (fnv1a(key) >>> 0) % KEY_LOCK_BUCKETS))];
      const inList = list(buckets.sort((a, b) => a - b));
      await this.#execute(
        connection,
        `SELECT bucket FROM ${this.#q(this.#names.keyLocks)} WHERE bucket IN (${inList.sql}) ORDER BY bucket FOR UPDATE`,
        inList.params,
        'all',
        trx,
      );
    }
    const locks = [...new Set(keys.map(fnv1a))].sort((a, b) => a - b);
    for (let start = 0; start < events.length; start += INSERT_CHUNK) {
      // Held until the transaction ends, so only the first chunk needs to take them.
      const { sql, params } = this.#insertSql(
        events.slice(start, start + INSERT_CHUNK),
        start === 0 ? locks : [],
      );
      await this.#execute(connection, sql, params, this.#kind === 'postgresql' ? 'all' : 'run', trx);
    }
  }

  /** One INSERT for `events`; on PostgreSQL it also takes `locks` (advisory, re-entrant) first. */
  #insertSql(events: readonly NewEvent[], locks: readonly number[]): { sql: string; params: unknown[] } {
    const now = this.#now;
    const columns = INSERT_COLUMNS.join(', ');
    const scheduled = this.#kind === 'postgresql' ? '?::bigint' : '?';
    const rowSql = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, COALESCE(${scheduled}, ${now}), ${now}, '[]')`;
    const params = events.flatMap(insertValues);
    const valuesSql = events.map(() => rowSql).join(', ');
    if (this.#kind === 'sqlite') {
      return {
        sql: `INSERT INTO ${this.#t} (${columns}) VALUES ${valuesSql} ON CONFLICT (id) DO NOTHING`,
        params,
      };
    }
    if (this.#kind === 'mysql') {
      return {
        sql: `INSERT INTO ${this.#t} (${columns}) VALUES ${valuesSql} ON DUPLICATE KEY UPDATE id = id`,
        params,
      };
    }
    // PostgreSQL: one statement takes the per-key advisory locks, inserts, and queues the NOTIFY
    // (delivered only when the transaction commits).
    const notify = this.#channel === false ? null : this.#channel;
    if (locks.length === 0) {
      const insert = `INSERT INTO ${this.#t} (${columns}) VALUES ${valuesSql} ON CONFLICT (id) DO NOTHING`;
      if (notify === null) return { sql: insert, params };
      return {
        sql: `WITH i AS (${insert} RETURNING 1) SELECT pg_notify(?, '') AS notified`,
        params: [...params, notify],
      };
    }
    // Keys hash to 32-bit lock ids (FNV-1a); INSERT ... SELECT so that the lock sub-select runs
    // before the first row draws its sequence number.
    const lockSql = locks.map((id) => `pg_advisory_xact_lock(${this.#lockNamespace}, ${id})`).join(', ');
    const sql =
      `WITH l AS (SELECT ${lockSql}), ` +
      `i AS (INSERT INTO ${this.#t} (${columns}) SELECT * FROM (VALUES ${valuesSql}) AS v(${columns}) WHERE EXISTS (SELECT 1 FROM l) ON CONFLICT (id) DO NOTHING RETURNING 1) ` +
      `SELECT (SELECT count(*) FROM i) AS inserted${notify === null ? '' : ", pg_notify(?, '') AS notified"}`;
    return { sql, params: [...params, ...(notify === null ? [] : [notify])] };
  }

  // ---- claiming --------------------------------------------------------------------------------

  /** Rows that may be claimed now: due, not under a live lease, and head of their key. */
  #dueSql(backends: readonly string[] | undefined): { sql: string; params: unknown[] } {
    const now = this.#now;
    let sql = `e.status IN ${NON_FINAL}
  AND ((e.status <> 'processing' AND e.available_at <= ${now}) OR (e.status = 'processing' AND e.locked_until <= ${now}))
  AND (e.ordering_key IS NULL OR (
    NOT EXISTS (SELECT 1 FROM ${this.#t} o
      WHERE o.ordering_key = e.ordering_key AND o.seq < e.seq AND o.status IN ${NON_FINAL})
    AND NOT EXISTS (SELECT 1 FROM ${this.#t} p
      WHERE p.ordering_key = e.ordering_key AND p.ordering_key IS NOT NULL AND p.status = 'processing'
        AND p.locked_until > ${now})))`;
    const params: unknown[] = [];
    if (backends) {
      if (backends.length === 0) return { sql: '1 = 0', params };
      const inList = list(backends);
      sql += ` AND e.backend IN (${inList.sql})`;
      params.push(...inList.params);
    }
    return { sql, params };
  }

  /** The PostgreSQL claim, pick (SKIP LOCKED) and lease in one statement, with the given placeholders. */
  #pgClaimSql(due: string, limit: string, owner: string, lease: string): string {
    const now = this.#now;
    return `WITH ${ASYNC_COMMIT_CTE}, picked AS (
  SELECT e.seq FROM ${this.#t} e WHERE ${due}
  ORDER BY e.seq LIMIT ${limit} FOR UPDATE OF e SKIP LOCKED)
UPDATE ${this.#t} AS t SET status = 'processing', lease_owner = ${owner}, locked_until = ${now} + ${lease},
  attempts = t.attempts + 1, updated_at = ${now}
FROM picked, no_flush WHERE t.seq = picked.seq RETURNING t.*`;
  }

  /** The prepared claim's text, built once for each shape (with and without a backend filter). */
  #preparedClaimText(filtered: boolean): string {
    let text = this.#preparedClaims.get(filtered);
    if (text === undefined) {
      const backends = filtered ? ' AND e.backend = ANY($4::text[])' : '';
      text = this.#pgClaimSql(`${this.#dueSql(undefined).sql}${backends}`, '$1', '$2', '$3::bigint');
      this.#preparedClaims.set(filtered, text);
    }
    return text;
  }

  async claim(request: ClaimRequest): Promise<OutboxEvent[]> {
    await this.#ensureVerified();
    const lease = Math.ceil(request.leaseMs);
    if (this.#kind === 'postgresql') {
      const values = [
        request.limit,
        request.owner,
        lease,
        ...(request.backends ? [[...request.backends]] : []),
      ];
      const started = performance.now();
      let rows = await this.#prepared(this.#preparedClaimText(request.backends !== undefined), values);
      if (rows === undefined) {
        const due = this.#dueSql(request.backends);
        rows = await this.#all(this.#pgClaimSql(due.sql, '?', '?', '?'), [
          ...due.params,
          request.limit,
          request.owner,
          lease,
        ]);
      }
      this.#statistics?.claimed(performance.now() - started);
      return rows.map(toEvent).sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    }
    const due = this.#dueSql(request.backends);
    const now = this.#now;
    if (this.#kind === 'sqlite') {
      // A single UPDATE takes SQLite's write lock before it reads, so two claimers (even in two
      // processes) serialize here and never see the same row as due.
      const rows = await this.#all(
        `UPDATE ${this.#t} SET status = 'processing', lease_owner = ?, locked_until = ${now} + ?,
  attempts = attempts + 1, updated_at = ${now}
WHERE seq IN (SELECT e.seq FROM ${this.#t} e WHERE ${due.sql} ORDER BY e.seq LIMIT ?) RETURNING *`,
        [request.owner, lease, ...due.params, request.limit],
      );
      return rows.map(toEvent).sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    }
    // MariaDB/MySQL have no UPDATE ... RETURNING: lock with SKIP LOCKED, then lease, in one short
    // READ COMMITTED transaction that commits before we return.
    return this.#connection().transactional(
      async (trx) => {
        const rows = await this.#all(
          `SELECT e.*, ${now} AS now_ms FROM ${this.#t} e WHERE ${due.sql} ORDER BY e.seq LIMIT ? FOR UPDATE SKIP LOCKED`,
          [...due.params, request.limit],
          trx,
        );
        if (rows.length === 0) return [];
        const nowMs = Number(rows[0]?.now_ms);
        const seqs = list(rows.map((row) => row.seq));
        await this.#run(
          `UPDATE ${this.#t} SET status = 'processing', lease_owner = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
WHERE seq IN (${seqs.sql})`,
          [request.owner, nowMs + lease, nowMs, ...seqs.params],
          trx,
        );
        return rows
          .map((row) =>
            toEvent({
              ...row,
              status: 'processing',
              lease_owner: request.owner,
              locked_until: nowMs + lease,
              attempts: Number(row.attempts) + 1,
              updated_at: nowMs,
            }),
          )
          .sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
      },
      { isolationLevel: 'read committed' },
    );
  }

  async renew(owner: string, ids: readonly string[], leaseMs: number): Promise<string[]> {
    await this.#ensureVerified();
    const wanted = unique(ids);
    const inList = list(wanted);
    const where = `id IN (${inList.sql}) AND status = 'processing' AND lease_owner = ?`;
    const set = `UPDATE ${this.#t} SET locked_until = ${this.#now} + ? WHERE ${where}`;
    const params = [Math.ceil(leaseMs), ...inList.params, owner];
    if (this.#kind !== 'mysql') {
      const rows = await this.#all(`${set} RETURNING id`, params);
      const renewed = new Set(rows.map((row) => String(row.id)));
      return wanted.filter((id) => renewed.has(id));
    }
    const result = await this.#run(set, params);
    if ((result.affectedRows ?? 0) === wanted.length) return wanted;
    // Fewer rows changed: ask which ones this owner still holds (the lease was just extended, so
    // none of them can be taken over in between).
    const rows = await this.#all(`SELECT id FROM ${this.#t} WHERE ${where}`, [...inList.params, owner]);
    const held = new Set(rows.map((row) => String(row.id)));
    return wanted.filter((id) => held.has(id));
  }

  // ---- outcomes --------------------------------------------------------------------------------

  async record(owner: string, outcomes: readonly OutcomeRecord[]): Promise<RecordResult> {
    await this.#ensureVerified();
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
    const now = this.#now;
    // MariaDB/MySQL cannot return updated ids, so applied rows are tagged with a one-off token.
    const marker = this.#kind === 'mysql' ? `~recorded:${randomUUID()}` : null;
    const release = `locked_until = NULL, lease_owner = ${marker === null ? 'NULL' : '?'}, updated_at = ${now}`;
    const releaseParams = marker === null ? [] : [marker];
    const statements: { sql: string; params: unknown[] }[] = [];

    const fenced = (ids: string[]) => {
      const inList = list(ids);
      return {
        sql: `id IN (${inList.sql}) AND status = 'processing' AND lease_owner = ?`,
        params: [...inList.params, owner],
      };
    };
    const applied = new Set<string>();
    if (groups.published.length > 0 && this.#kind === 'postgresql') {
      // The hot path: one prepared statement whatever the batch size. It answers with one row:
      // NULL when every id was applied (the usual case, nothing to parse per event), else the
      // ids that were.
      const ids = groups.published.map((o) => o.id);
      const rows = await this.#prepared(
        `WITH done AS (UPDATE ${this.#t} SET status = 'published', published_at = ${now}, ${release}
WHERE id = ANY($1::text[]) AND status = 'processing' AND lease_owner = $2 RETURNING id)
SELECT CASE WHEN count(*) = cardinality($1::text[]) THEN NULL ELSE coalesce(array_agg(id), '{}') END AS applied FROM done`,
        [ids, owner],
      );
      if (rows) {
        const some = rows[0]?.applied as string[] | null | undefined;
        for (const id of some === null ? ids : (some ?? [])) applied.add(String(id));
        groups.published = [];
      }
    }
    if (groups.published.length > 0) {
      const where = fenced(groups.published.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${this.#t} SET status = 'published', published_at = ${now}, ${release} WHERE ${where.sql}`,
        params: [...releaseParams, ...where.params],
      });
    }
    if (groups.retry.length > 0) {
      const delay = caseById(groups.retry.map((o) => [o.id, Math.max(0, Math.round(o.delayMs))]));
      const error = caseById(groups.retry.map((o) => [o.id, String(o.error)]));
      const where = fenced(groups.retry.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${this.#t} SET status = 'retry', available_at = ${now} + ${delay.sql}, last_error = ${error.sql},
  history = ${appendHistorySql(this.#kind, now, error.sql)}, ${release} WHERE ${where.sql}`,
        params: [...delay.params, ...error.params, ...error.params, ...releaseParams, ...where.params],
      });
    }
    if (groups.failed.length > 0) {
      const error = caseById(groups.failed.map((o) => [o.id, String(o.error)]));
      const where = fenced(groups.failed.map((o) => o.id));
      statements.push({
        sql: `UPDATE ${this.#t} SET status = 'failed', last_error = ${error.sql},
  history = ${appendHistorySql(this.#kind, now, error.sql)}, ${release} WHERE ${where.sql}`,
        params: [...error.params, ...error.params, ...releaseParams, ...where.params],
      });
    }
    if (groups.released.length > 0) {
      const delay = caseById(groups.released.map((o) => [o.id, Math.max(0, Math.round(o.delayMs ?? 0))]));
      const where = fenced(groups.released.map((o) => o.id));
      // status first: MariaDB/MySQL evaluate assignments left to right, so it must read the old attempts.
      statements.push({
        sql: `UPDATE ${this.#t} SET status = CASE WHEN attempts > 1 THEN 'retry' ELSE 'pending' END,
  attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, available_at = ${now} + ${delay.sql}, ${release}
WHERE ${where.sql}`,
        params: [...delay.params, ...releaseParams, ...where.params],
      });
    }

    if (marker === null) {
      for (const statement of statements) {
        const rows = await this.#all(`${statement.sql} RETURNING id`, statement.params);
        for (const row of rows) applied.add(String(row.id));
      }
    } else {
      let changed = 0;
      for (const statement of statements)
        changed += (await this.#run(statement.sql, statement.params)).affectedRows ?? 0;
      if (changed === seen.size) for (const id of seen) applied.add(id);
      else if (changed > 0) {
        const inList = list([...seen]);
        const rows = await this.#all(
          `SELECT id FROM ${this.#t} WHERE id IN (${inList.sql}) AND lease_owner = ?`,
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
    const where = `status = ? AND updated_at <= ${this.#now} - ?`;
    const params = [request.status, Math.floor(request.olderThanMs)];
    if (request.dryRun) {
      const [row] = await this.#all(`SELECT COUNT(*) AS n FROM ${this.#t} WHERE ${where}`, params);
      return Number(row?.n ?? 0);
    }
    // Bounded batches: each statement deletes at most `limit` rows and holds its locks only that long.
    const sql =
      this.#kind === 'mysql'
        ? `DELETE FROM ${this.#t} WHERE ${where} LIMIT ?`
        : this.#kind === 'postgresql'
          ? `DELETE FROM ${this.#t} WHERE seq IN (SELECT seq FROM ${this.#t} WHERE ${where} LIMIT ? FOR UPDATE SKIP LOCKED)`
          : `DELETE FROM ${this.#t} WHERE seq IN (SELECT seq FROM ${this.#t} WHERE ${where} LIMIT ?)`;
    const result = await this.#run(sql, [...params, request.limit]);
    return result.affectedRows ?? 0;
  }

  async list(request: ListRequest): Promise<ListPage> {
    await this.#ensureVerified();
    const limit = request.limit ?? 50;
    const filter = request.filter ?? {};
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (request.after !== undefined) {
      if (!/^\d+$/.test(request.after)) {
        throw new InvalidArgumentError(`list cursor "${request.after}" is not one this store issued`);
      }
      conditions.push('seq < ?');
      params.push(Number(request.after));
    }
    if (filter.status) {
      if (filter.status.length === 0) return { events: [], next: null };
      const inList = list(filter.status);
      conditions.push(`status IN (${inList.sql})`);
      params.push(...inList.params);
    }
    if (filter.ids) {
      if (filter.ids.length === 0) return { events: [], next: null };
      const inList = list(filter.ids);
      conditions.push(`id IN (${inList.sql})`);
      params.push(...inList.params);
    }
    const equal: [string, string | undefined][] = [
      ['event_type', filter.eventType],
      ['source', filter.source],
      ['ordering_key', filter.key],
      ['backend', filter.backend],
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
    const rows = await this.#all(`SELECT * FROM ${this.#t} ${where} ORDER BY seq DESC LIMIT ?`, [
      ...params,
      limit + 1,
    ]);
    const events = rows.slice(0, limit).map(toEvent);
    const last = events[events.length - 1];
    return { events, next: rows.length > limit && last ? String(last.sequence) : null };
  }

  async get(id: string): Promise<OutboxEvent | null> {
    await this.#ensureVerified();
    const [row] = await this.#all(`SELECT * FROM ${this.#t} WHERE id = ?`, [id]);
    return row ? toEvent(row) : null;
  }

  async requeue(ids: readonly string[]): Promise<number> {
    await this.#ensureVerified();
    const inList = list(unique(ids));
    const result = await this.#run(
      `UPDATE ${this.#t} SET status = 'pending', attempts = 0, available_at = ${this.#now}, updated_at = ${this.#now},
  locked_until = NULL, lease_owner = NULL WHERE id IN (${inList.sql}) AND status = 'failed'`,
      inList.params,
    );
    const count = result.affectedRows ?? 0;
    if (count > 0 && this.#channel !== false) await this.#all("SELECT pg_notify(?, '')", [this.#channel]);
    return count;
  }

  async fail(ids: readonly string[], reason: string): Promise<number> {
    await this.#ensureVerified();
    const inList = list(unique(ids));
    const result = await this.#run(
      `UPDATE ${this.#t} SET status = 'failed', last_error = ?, history = ${appendHistorySql(this.#kind, this.#now, '?')},
  updated_at = ${this.#now} WHERE id IN (${inList.sql}) AND status IN ('pending', 'retry')`,
      [reason, reason, ...inList.params],
    );
    return result.affectedRows ?? 0;
  }

  async stats(): Promise<StoreStats> {
    await this.#ensureVerified();
    const now = this.#now;
    const rows = await this.#all(
      `SELECT backend, status, COUNT(*) AS n,
  SUM(CASE WHEN status = 'processing' AND locked_until > ${now} THEN 1 ELSE 0 END) AS in_flight,
  MIN(CASE WHEN status IN ('pending', 'retry') AND available_at <= ${now} THEN available_at END) AS oldest,
  MAX(${now}) AS now_ms
FROM ${this.#t} GROUP BY backend, status`,
    );
    const empty = (): Record<EventStatus, number> =>
      Object.fromEntries(EVENT_STATUSES.map((status) => [status, 0])) as Record<EventStatus, number>;
    const stats: StoreStats = { counts: empty(), oldestPendingAgeMs: null, inFlight: 0, byBackend: {} };
    for (const row of rows) {
      const status = String(row.status) as EventStatus;
      const backend = String(row.backend);
      const count = Number(row.n);
      if (!(status in stats.counts)) continue;
      stats.counts[status] += count;
      stats.byBackend[backend] ??= empty();
      (stats.byBackend[backend] as Record<EventStatus, number>)[status] += count;
      stats.inFlight += Number(row.in_flight ?? 0);
      if (row.oldest !== null && row.oldest !== undefined) {
        const age = Math.max(0, Number(row.now_ms) - Number(row.oldest));
        stats.oldestPendingAgeMs = Math.max(stats.oldestPendingAgeMs ?? 0, age);
      }
    }
    return stats;
  }

  async health(): Promise<StoreHealth> {
    try {
      const [row] = await this.#all(`SELECT ${this.#now} AS now_ms`);
      return {
        ok: true,
        details: {
          dialect: this.#kind,
          table: this.#names.table,
          clockSkewMs: Number(row?.now_ms) - Date.now(),
        },
      };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    if (this.#channel === false) return async () => {};
    this.#listener ??= new NotifyListener(this.#connection(), this.#channel, this.#logger);
    return this.#listener.add(listener);
  }
}
