import type { Logger } from '@dispatch/core';
import {
  isMissingTableError,
  type PgPoolLike,
  RegisteredTransactionExecutor,
  type SqlDialectName,
  type SqlRow,
} from '@dispatch/store-sql';
import { CompiledQuery } from 'kysely';
import { type AnyKysely, adapterOf } from './kysely-types.js';
import { callerTransactionRules } from './outbox-transaction.js';

const POOL_HINT = 'pass the pg Pool your PostgresDialect uses';

/**
 * The SQL store's executor on Kysely: statements go to the driver as they are
 * (`CompiledQuery.raw`, the dialect's own placeholders) through `db` without its plugins, so a
 * `CamelCasePlugin` cannot rename the columns the store reads. A caller's transaction must come
 * from `withOutboxTransaction` or `startOutboxTransaction`, the only ones whose commit it can see.
 */
export class KyselyExecutor extends RegisteredTransactionExecutor {
  readonly #db: AnyKysely;

  constructor(
    db: AnyKysely,
    dialect: SqlDialectName,
    options: { logger: Logger; pgPool?: PgPoolLike | undefined },
  ) {
    super(dialect, {
      ...options,
      rules: callerTransactionRules,
      database: adapterOf(db),
      poolHint: POOL_HINT,
    });
    this.#db = db.withoutPlugins();
  }

  async query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]> {
    const result = await this.#on(transaction).executeQuery(CompiledQuery.raw(sql, [...params]));
    return result.rows as SqlRow[];
  }

  async run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number> {
    const result = await this.#on(transaction).executeQuery(CompiledQuery.raw(sql, [...params]));
    return Number(result.numAffectedRows ?? 0n);
  }

  #on(transaction: unknown): AnyKysely {
    // Handles come from `transaction()` or `callerTransaction()`: plugin-less transactions already.
    return (transaction as AnyKysely | undefined) ?? this.#db;
  }

  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T> {
    let builder = this.#db.transaction();
    // SQLite has no isolation levels to choose (its transactions are serializable).
    if (options?.isolation && this.dialect !== 'sqlite')
      builder = builder.setIsolationLevel(options.isolation);
    return builder.execute((trx) => work(trx));
  }

  isMissingTable(error: unknown): boolean {
    return isMissingTableError(error);
  }
}
