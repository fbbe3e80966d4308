import { ConfigError, InvalidArgumentError, type Logger } from '@dispatch/core';
import {
  type CallerTransaction,
  isMissingTableError,
  type ListenRequest,
  type SqlDialectName,
  type SqlExecutor,
  type SqlRow,
} from '@dispatch/store-sql';
import type { DataSource } from 'typeorm';
import { type CommitTracker, commitTrackerOf } from './commit-tracker.js';
import { PgAccess } from './pg-access.js';
import { type SqliteTurns, sqliteTurnsOf } from './sqlite-turns.js';
import {
  type DataSourceLike,
  describeValue,
  isDataSource,
  isEntityManager,
  isQueryRunner,
  type QueryResultLike,
  type QueryRunnerLike,
} from './typeorm-types.js';

const HOW =
  'Pass the manager your dataSource.transaction(async (manager) => ...) callback receives, or a query ' +
  'runner after its startTransaction(). Nothing was written.';

/**
 * The SQL store's executor on TypeORM: statements run on a query runner of the application's
 * DataSource (the caller's, in a caller's transaction), so they show in TypeORM's logger; commits
 * are seen through a subscriber (`CommitTracker`); on PostgreSQL the prepared statements and LISTEN
 * use the pg driver underneath.
 */
export class TypeOrmExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  declare readonly prepared?: NonNullable<SqlExecutor['prepared']>;
  declare readonly listen?: NonNullable<SqlExecutor['listen']>;
  readonly #dataSource: DataSourceLike;
  readonly #tracker: CommitTracker;
  readonly #turns: SqliteTurns | undefined;

  constructor(dataSource: DataSource, dialect: SqlDialectName, logger: Logger) {
    this.dialect = dialect;
    this.#dataSource = dataSource as unknown as DataSourceLike;
    this.#tracker = commitTrackerOf(this.#dataSource, (error) =>
      logger.error({ error: (error as Error)?.message }, 'an onCommit callback threw'),
    );
    this.#turns = dialect === 'sqlite' ? sqliteTurnsOf(this.#dataSource) : undefined;
    if (dialect === 'postgresql') {
      const pg = new PgAccess(this.#dataSource);
      this.prepared = (name, sql, params) => pg.prepared(name, sql, params);
      this.listen = (request: ListenRequest) => pg.listen(request);
    }
  }

  async query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]> {
    const result = await this.#execute(sql, params, transaction);
    return (result.records ?? []) as SqlRow[];
  }

  async run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number> {
    const result = await this.#execute(sql, params, transaction);
    return Number(result.affected ?? 0);
  }

  #execute(sql: string, params: readonly unknown[], transaction: unknown): Promise<QueryResultLike> {
    const run = (runner: QueryRunnerLike) => runner.query(sql, [...params], true) as Promise<QueryResultLike>;
    if (transaction) return run(transaction as QueryRunnerLike);
    return this.#own(run);
  }

  /** Run `work` on a query runner of the store's own, outside any caller's transaction. */
  async #own<T>(work: (runner: QueryRunnerLike) => Promise<T>): Promise<T> {
    const dataSource = this.#initialized();
    if (this.#turns) return this.#turns.run(() => work(dataSource.createQueryRunner('master')));
    // Not dataSource.query() or dataSource.manager: typeorm-transactional routes those into the
    // transaction of the current context.
    const runner = dataSource.createQueryRunner('master');
    try {
      return await work(runner);
    } finally {
      await runner.release();
    }
  }

  #initialized(): DataSourceLike {
    if (this.#dataSource.isInitialized) return this.#dataSource;
    throw new ConfigError([
      {
        path: 'OUTBOX_STORE.OPTIONS.dataSource',
        message: 'is not initialized: await dataSource.initialize() before the store connects',
      },
    ]);
  }

  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T> {
    // SQLite has no isolation levels to choose (its transactions are serializable).
    const isolation =
      options?.isolation && this.dialect !== 'sqlite' ? options.isolation.toUpperCase() : undefined;
    return this.#own(async (runner) => {
      await runner.startTransaction(isolation);
      let result: T;
      try {
        result = await work(runner);
      } catch (error) {
        await runner.rollbackTransaction().catch(() => {});
        throw error;
      }
      await runner.commitTransaction();
      return result;
    });
  }

  /** The caller's transaction: an explicit manager or query runner, else the ambient one, if any. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    this.#tracker.install(this.#dataSource);
    const runner = explicit === undefined || explicit === null ? this.#ambient() : this.#explicit(explicit);
    if (!runner) return undefined;
    return { handle: runner, onCommit: (callback) => this.#tracker.add(runner, callback) };
  }

  #ambient(): QueryRunnerLike | undefined {
    // typeorm-transactional: inside its context `dataSource.manager` is the transaction's manager.
    const runner = this.#dataSource.manager?.queryRunner;
    if (runner && isQueryRunner(runner) && this.#active(runner)) return runner;
    // SQLite: inside a turn, the one connection's open transaction is the caller's.
    if (this.#turns?.inTurn) {
      const shared = this.#dataSource.createQueryRunner('master');
      if (this.#active(shared)) return shared;
    }
    return undefined;
  }

  #active(runner: QueryRunnerLike): boolean {
    return runner.connection === this.#dataSource && !runner.isReleased && runner.isTransactionActive;
  }

  #explicit(explicit: unknown): QueryRunnerLike {
    const kind = isEntityManager(explicit) ? 'manager' : isQueryRunner(explicit) ? 'query runner' : undefined;
    if (!kind) {
      throw new InvalidArgumentError(
        `The TypeORM outbox store expects { transaction } to be an EntityManager or a QueryRunner, got ${
          isDataSource(explicit)
            ? 'the DataSource itself, which is not a transaction'
            : describeValue(explicit)
        }. ${HOW}`,
      );
    }
    const runner =
      kind === 'manager' ? (explicit as { queryRunner?: QueryRunnerLike }).queryRunner : explicit;
    const connection = (explicit as { connection?: unknown }).connection;
    if (connection !== this.#dataSource) {
      throw new InvalidArgumentError(
        `The ${kind} passed as { transaction } belongs to another DataSource than the one this outbox store ` +
          'was configured with, so the event would go to another database. Pass one of the store’s ' +
          'DataSource, or configure a store for that DataSource. Nothing was written.',
      );
    }
    if (!runner || !isQueryRunner(runner) || runner.isReleased || !runner.isTransactionActive) {
      throw new InvalidArgumentError(
        `The ${kind} passed as { transaction } is not in a transaction` +
          (kind === 'manager' && !runner
            ? ' (it is not bound to a query runner, like dataSource.manager)'
            : '') +
          ', so the event would be written and committed on its own, apart from your changes. ' +
          HOW,
      );
    }
    return runner;
  }

  /** Driver error codes for "no such table", also inside TypeORM's QueryFailedError (`driverError`). */
  isMissingTable(error: unknown): boolean {
    return isMissingTableError(
      error,
      (current) =>
        (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause,
    );
  }
}
