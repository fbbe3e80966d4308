import { InvalidArgumentError, type Logger } from '@dispatch/core';
import {
  type CallerTransaction,
  type ListenRequest,
  PgPoolAccess,
  type PgPoolLike,
  type SqlDialectName,
  type SqlExecutor,
  type SqlRow,
} from '@dispatch/store-sql';
import { CompiledQuery } from 'kysely';
import { type AnyKysely, adapterOf, describeValue, isKysely } from './kysely-types.js';
import { ambientBinding, bindingOf, type TransactionBinding } from './outbox-transaction.js';

const WRAPPER_HINT =
  'Open it with withOutboxTransaction(db, async (trx) => ...) from @dispatch/orm-kysely instead of ' +
  'db.transaction().execute(), or with startOutboxTransaction(db) instead of db.startTransaction().';

/** Driver error codes for "no such table". */
const MISSING_TABLE_CODES = new Set(['42P01', 'ER_NO_SUCH_TABLE']);

/**
 * The SQL store's executor on Kysely: statements go to the driver as they are
 * (`CompiledQuery.raw`, the dialect's own placeholders) through `db` without its plugins, so a
 * `CamelCasePlugin` cannot rename the columns the store reads. A caller's transaction must come
 * from `withOutboxTransaction` or `startOutboxTransaction`, the only ones whose commit it can see.
 */
export class KyselyExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  // Present only with a pg Pool: without `prepared` the store runs plain statements, without `listen`
  // it has no wake-ups.
  declare readonly prepared?: NonNullable<SqlExecutor['prepared']>;
  declare readonly listen?: NonNullable<SqlExecutor['listen']>;
  readonly #db: AnyKysely;
  readonly #adapter: unknown;
  readonly #logger: Logger;

  constructor(
    db: AnyKysely,
    dialect: SqlDialectName,
    options: { logger: Logger; pgPool?: PgPoolLike | undefined },
  ) {
    this.dialect = dialect;
    this.#db = db.withoutPlugins();
    this.#adapter = adapterOf(db);
    this.#logger = options.logger;
    if (dialect === 'postgresql' && options.pgPool) {
      const pool = new PgPoolAccess(options.pgPool, (sql) => this.query(sql, []), {
        handle: 'db',
        hint: 'pass the pg Pool your PostgresDialect uses',
      });
      this.prepared = (name, sql, params) => pool.prepared(name, sql, params);
      this.listen = (request: ListenRequest) => pool.listen(request);
    }
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

  /** The caller's transaction: an explicit trx, else the `withOutboxTransaction` around the call. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    if (explicit === undefined || explicit === null) {
      const binding = ambientBinding();
      // Another Kysely instance's transaction is not this store's database: not ambient here.
      if (!binding || binding.transaction.adapter !== this.#adapter) return undefined;
      if (binding.transaction.callbacks.status !== 'active') return undefined;
      return this.#caller(binding);
    }
    if (!isKysely(explicit)) {
      throw new InvalidArgumentError(
        'The Kysely outbox store expects { transaction: trx } with the trx that withOutboxTransaction(db, ' +
          `async (trx) => ...) passes to its callback, got ${describeValue(explicit)}. Nothing was written.`,
      );
    }
    if (adapterOf(explicit) !== this.#adapter) {
      throw new InvalidArgumentError(
        'The transaction passed as { transaction } belongs to another Kysely instance than the db this ' +
          'outbox store was configured with, so the event would go to another database or connection. Pass ' +
          'a trx of the store’s db, or configure a store for that instance. Nothing was written.',
      );
    }
    // `db` itself (no transaction), as code taking "db or trx" passes it: written on its own.
    if (!explicit.isTransaction) return undefined;
    const binding = bindingOf(explicit);
    if (!binding) {
      throw new InvalidArgumentError(
        'The outbox cannot see when this Kysely transaction commits, so it could not hold the event’s ' +
          `created hooks and wake-ups until then. ${WRAPPER_HINT} Nothing was written.`,
      );
    }
    const { status } = binding.transaction.callbacks;
    if (status !== 'active') {
      throw new InvalidArgumentError(
        `The transaction passed as { transaction } has already ${status}. Nothing was written.`,
      );
    }
    return this.#caller(binding);
  }

  #caller(binding: TransactionBinding): CallerTransaction {
    const { callbacks, raw } = binding.transaction;
    return {
      handle: raw,
      onCommit: (callback) =>
        callbacks.add(() => {
          try {
            callback();
          } catch (error) {
            this.#logger.error({ error: (error as Error)?.message }, 'an onCommit callback threw');
          }
        }),
    };
  }

  isMissingTable(error: unknown): boolean {
    for (let current = error, depth = 0; current && depth < 5; depth += 1) {
      const { code, errno, message } = current as { code?: unknown; errno?: unknown; message?: unknown };
      if (typeof code === 'string' && MISSING_TABLE_CODES.has(code)) return true;
      if (errno === 1146) return true;
      if (typeof code === 'string' && code.startsWith('SQLITE_') && /no such table/i.test(String(message)))
        return true;
      current = (current as { cause?: unknown }).cause;
    }
    return false;
  }
}
