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
import { ambientBinding, bindingOf, type TransactionBinding } from './outbox-transaction.js';
import {
  describeValue,
  engineOf,
  isPrismaClient,
  isPrismaHandle,
  type PrismaClientLike,
  type PrismaHandle,
} from './prisma-types.js';

/** Prisma's `maxWait` and `timeout` for the transactions the store opens itself. */
export interface OwnTransactionOptions {
  maxWait: number;
  timeout: number;
}

const WRAPPER_HINT =
  'Open it with withOutboxTransaction(prisma, async (tx) => ...) from @dispatch/orm-prisma instead of ' +
  'prisma.$transaction(async (tx) => ...): Prisma has no after-commit hook, so the store cannot see when a ' +
  'plain $transaction commits, and the events’ created hooks and worker wake-ups would have nothing to wait for.';

/** Driver codes for "no such table" as Prisma's driver adapters report them, and Prisma's own (P2021). */
const MISSING_TABLE_CODES = new Set(['42P01', '1146', 'ER_NO_SUCH_TABLE', 'P2021']);

/** A transaction of the store's own, told apart from a caller's. */
class OwnTransaction {
  constructor(readonly tx: PrismaHandle) {}
}

/** Prisma raw queries return BIGINT columns as bigint; the store's numbers (ms, seq) fit a double. */
function toRows(result: unknown): SqlRow[] {
  const rows = result as SqlRow[];
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (typeof value === 'bigint') row[key] = Number(value);
    }
  }
  return rows;
}

/**
 * Prisma deserializes every column of a raw query's result and has no type for `void`, the result
 * of `pg_notify`: cast it to text (the store never reads it).
 */
function castNotify(sql: string): string {
  return sql.includes('pg_notify(')
    ? sql.replace(/pg_notify\((\$\d+), ''\)(?!::)/g, "pg_notify($1, '')::text")
    : sql;
}

/**
 * The SQL store's executor on Prisma: statements go through `$queryRawUnsafe` and
 * `$executeRawUnsafe`, with the values bound by the driver adapter, never spliced into the text. In
 * a caller's transaction they run on its transaction client; outside one on the client's pool
 * (each statement its own transaction), and on SQLite, whose one connection a caller's open
 * transaction holds, in a short `$transaction` of their own, which waits for it.
 */
export class PrismaExecutor implements SqlExecutor {
  readonly dialect: SqlDialectName;
  // Present only with a pg Pool: without `prepared` the store runs plain statements, without `listen`
  // it has no wake-ups.
  declare readonly prepared?: NonNullable<SqlExecutor['prepared']>;
  declare readonly listen?: NonNullable<SqlExecutor['listen']>;
  readonly #prisma: PrismaClientLike;
  readonly #engine: object;
  readonly #own: OwnTransactionOptions;
  readonly #logger: Logger;

  constructor(
    prisma: PrismaClientLike,
    dialect: SqlDialectName,
    options: { logger: Logger; own: OwnTransactionOptions; pgPool?: PgPoolLike | undefined },
  ) {
    this.dialect = dialect;
    this.#prisma = prisma;
    this.#engine = engineOf(prisma);
    this.#own = options.own;
    this.#logger = options.logger;
    if (dialect === 'postgresql' && options.pgPool) {
      const pool = new PgPoolAccess(options.pgPool, (sql) => this.query(sql, []), {
        handle: 'prisma',
        hint: 'pass the pg Pool your PrismaPg adapter uses',
      });
      this.prepared = (name, sql, params) => pool.prepared(name, sql, params);
      this.listen = (request: ListenRequest) => pool.listen(request);
    }
  }

  async query(sql: string, params: readonly unknown[], transaction?: unknown): Promise<SqlRow[]> {
    const text = this.dialect === 'postgresql' ? castNotify(sql) : sql;
    if (transaction === undefined && this.dialect === 'sqlite') {
      return this.transaction((own) => this.query(sql, params, own));
    }
    return toRows(await this.#on(transaction).$queryRawUnsafe(text, ...params));
  }

  async run(sql: string, params: readonly unknown[], transaction?: unknown): Promise<number> {
    if (transaction === undefined && this.dialect === 'sqlite') {
      return this.transaction((own) => this.run(sql, params, own));
    }
    return Number(await this.#on(transaction).$executeRawUnsafe(sql, ...params));
  }

  #on(transaction: unknown): PrismaHandle {
    if (transaction instanceof OwnTransaction) return transaction.tx;
    // Caller handles come from `callerTransaction`: Prisma's own transaction client.
    return (transaction as PrismaHandle | undefined) ?? this.#prisma;
  }

  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    options?: { isolation?: 'read committed' | undefined },
  ): Promise<T> {
    // SQLite has no isolation levels to choose (its transactions are serializable).
    const isolation =
      options?.isolation && this.dialect !== 'sqlite' ? { isolationLevel: 'ReadCommitted' } : {};
    return this.#prisma.$transaction((tx: PrismaHandle) => work(new OwnTransaction(tx)), {
      maxWait: this.#own.maxWait,
      timeout: this.#own.timeout,
      ...isolation,
    }) as Promise<T>;
  }

  /** The caller's transaction: an explicit tx, else the `withOutboxTransaction` around the call. */
  callerTransaction(explicit: unknown): CallerTransaction | undefined {
    if (explicit === undefined || explicit === null) {
      const binding = ambientBinding();
      // Another client's transaction is not this store's database: not ambient here.
      if (!binding || binding.transaction.engine !== this.#engine) return undefined;
      if (binding.transaction.callbacks.status !== 'active') return undefined;
      return this.#caller(binding);
    }
    if (!isPrismaHandle(explicit)) {
      throw new InvalidArgumentError(
        'The Prisma outbox store expects { transaction: tx } with the tx that withOutboxTransaction(prisma, ' +
          `async (tx) => ...) passes to its callback, got ${describeValue(explicit)}. Nothing was written.`,
      );
    }
    if (engineOf(explicit) !== this.#engine) {
      throw new InvalidArgumentError(
        'The transaction passed as { transaction } belongs to another PrismaClient than the one this outbox ' +
          'store was configured with, so the event would go to another database or connection. Pass a tx of ' +
          'the store’s client, or configure a store for that client. Nothing was written.',
      );
    }
    // The client itself (no transaction), as code taking "prisma or tx" passes it: written on its own.
    if (isPrismaClient(explicit)) return undefined;
    const binding = bindingOf(explicit);
    if (!binding) {
      throw new InvalidArgumentError(
        `The outbox cannot see when this Prisma transaction commits. ${WRAPPER_HINT} Nothing was written.`,
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
    const { callbacks } = binding.transaction;
    return {
      handle: binding.raw,
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

  /** Prisma wraps the driver's error (`P2010`, `meta.driverAdapterError.cause`). */
  isMissingTable(error: unknown): boolean {
    for (let current = error, depth = 0; current && depth < 6; depth += 1) {
      const { code, kind, originalCode, message } = current as Record<string, unknown>;
      if (kind === 'TableDoesNotExist') return true;
      if (MISSING_TABLE_CODES.has(String(originalCode ?? code))) return true;
      if (/no such table/i.test(String(message ?? '')) && /SQLITE/.test(String(originalCode ?? code)))
        return true;
      const meta = (current as { meta?: { driverAdapterError?: unknown } }).meta;
      current = meta?.driverAdapterError ?? (current as { cause?: unknown }).cause;
    }
    return false;
  }
}
