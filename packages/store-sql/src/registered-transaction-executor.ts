import { InvalidArgumentError, type Logger } from '@dispatch/core';
import type { CallerTransaction, SqlDialectName, SqlExecutor, SqlRow } from './executor.js';
import { PgPoolAccess, type PgPoolLike } from './pg-pool-access.js';
import type { RegisteredBinding, TransactionRegistry } from './transaction-registry.js';

/** What an executor's ORM is like: the transactions its wrapper opened, and how to tell its handles. */
export interface RegisteredTransactionRules {
  /** The transactions the ORM store's `withOutboxTransaction` opened. */
  readonly registry: TransactionRegistry<RegisteredBinding>;
  /** Which database a handle of this ORM is on (its adapter, engine...); undefined for anything else. */
  databaseOf(value: unknown): unknown;
  /** False for the ORM instance itself, as code taking "db or trx" passes it: written on its own. */
  isTransaction(handle: unknown): boolean;
  /** What a value is, for an error message, without printing any of its contents. */
  describe(value: unknown): string;
  /** How the errors name things. */
  readonly names: {
    /** 'Kysely', 'Prisma'. */
    readonly orm: string;
    /** What the store is configured with: 'Kysely instance', 'PrismaClient'. */
    readonly instance: string;
    /** The store option that holds it, also `withOutboxTransaction`'s first argument: 'db', 'prisma'. */
    readonly option: string;
    /** What the application calls it: 'db', 'client'. */
    readonly handle: string;
    /** What it calls a transaction: 'trx', 'tx'. */
    readonly tx: string;
  };
  /** The error for a transaction the store's `withOutboxTransaction` did not open. */
  readonly notRegistered: string;
}

/**
 * An executor on an ORM that has no after-commit hook and keeps its pg Pool private. The store
 * follows a caller's transaction only when its own `withOutboxTransaction` opened it (an explicit
 * one must be such a transaction, still active, on the store's database; without one, the ambient
 * one counts when it is on the store's database). Prepared statements and LISTEN go through the
 * store's `pgPool` option, on PostgreSQL; without it the store runs plain statements and has no
 * wake-ups. Subclasses run the statements.
 */
export abstract class RegisteredTransactionExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  // Present only with a pg Pool: without `prepared` the store runs plain statements, without `listen`
  // it has no wake-ups.
  declare readonly prepared?: NonNullable<SqlExecutor['prepared']>;
  declare readonly listen?: NonNullable<SqlExecutor['listen']>;
  readonly #rules: RegisteredTransactionRules;
  readonly #database: unknown;
  readonly #logger: Logger;

  protected constructor(
    dialect: SqlDialectName,
    options: {
      rules: RegisteredTransactionRules;
      /** The store's database, as `rules.databaseOf` names it. */
      database: unknown;
      /** Where an after-commit callback that throws is reported (the commit stands). */
      logger: Logger;
      pgPool?: PgPoolLike | undefined;
      /** What to do about a `pgPool` that reaches another database: 'pass the pg Pool your PostgresDialect uses'. */
      poolHint: string;
    },
  ) {
    this.dialect = dialect;
    this.#rules = options.rules;
    this.#database = options.database;
    this.#logger = options.logger;
    if (dialect === 'postgresql' && options.pgPool) {
      const labels = { handle: options.rules.names.option, hint: options.poolHint };
      const pool = new PgPoolAccess(options.pgPool, (sql) => this.query(sql, []), labels);
      this.prepared = (name, sql, params) => pool.prepared(name, sql, params);
      this.listen = (request) => pool.listen(request);
    }
  }

  abstract query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]>;
  abstract run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number>;
  abstract transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T>;
  abstract isMissingTable(error: unknown): boolean;

  /** The caller's transaction: an explicit one, else the `withOutboxTransaction` around the call. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    const rules = this.#rules;
    if (explicit === undefined || explicit === null) {
      const binding = rules.registry.ambient();
      // Another database's transaction is not this store's business: not ambient here.
      if (!binding || binding.transaction.database !== this.#database) return undefined;
      if (binding.transaction.callbacks.status !== 'active') return undefined;
      return this.#caller(binding);
    }
    const { orm, instance, option, handle, tx } = rules.names;
    const database = rules.databaseOf(explicit);
    if (database === undefined) {
      throw new InvalidArgumentError(
        `The ${orm} outbox store expects { transaction: ${tx} } with the ${tx} that withOutboxTransaction(${option}, ` +
          `async (${tx}) => ...) passes to its callback, got ${rules.describe(explicit)}. Nothing was written.`,
      );
    }
    if (database !== this.#database) {
      throw new InvalidArgumentError(
        `The transaction passed as { transaction } belongs to another ${instance} than the ${handle} this ` +
          'outbox store was configured with, so the event would go to another database or connection. Pass ' +
          `a ${tx} of the store’s ${handle}, or configure a store for that ${handle}. Nothing was written.`,
      );
    }
    if (!rules.isTransaction(explicit)) return undefined;
    const binding = rules.registry.bindingOf(explicit);
    if (!binding) throw new InvalidArgumentError(rules.notRegistered);
    const { status } = binding.transaction.callbacks;
    if (status !== 'active') {
      throw new InvalidArgumentError(
        `The transaction passed as { transaction } has already ${status}. Nothing was written.`,
      );
    }
    return this.#caller(binding);
  }

  #caller(binding: RegisteredBinding): CallerTransaction {
    const { callbacks } = binding.transaction;
    return {
      handle: binding.handle,
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
}
