import type { Logger } from '@dispatch/core';
import {
  type PgPoolLike,
  RegisteredTransactionExecutor,
  type SqlDialectName,
  type SqlRow,
} from '@dispatch/store-sql';
import { callerTransactionRules } from './outbox-transaction.js';
import { engineOf, type PrismaClientLike, type PrismaHandle } from './prisma-types.js';

/** Prisma's `maxWait` and `timeout` for the transactions the store opens itself. */
export interface OwnTransactionOptions {
  maxWait: number;
  timeout: number;
}

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

const POOL_HINT = 'pass the pg Pool your PrismaPg adapter uses';

/**
 * The SQL store's executor on Prisma: statements go through `$queryRawUnsafe` and
 * `$executeRawUnsafe`, with the values bound by the driver adapter, never spliced into the text. In
 * a caller's transaction they run on its transaction client; outside one on the client's pool
 * (each statement its own transaction), and on SQLite, whose one connection a caller's open
 * transaction holds, in a short `$transaction` of their own, which waits for it.
 */
export class PrismaExecutor extends RegisteredTransactionExecutor {
  readonly #prisma: PrismaClientLike;
  readonly #own: OwnTransactionOptions;

  constructor(
    prisma: PrismaClientLike,
    dialect: SqlDialectName,
    options: { logger: Logger; own: OwnTransactionOptions; pgPool?: PgPoolLike | undefined },
  ) {
    super(dialect, {
      ...options,
      rules: callerTransactionRules,
      database: engineOf(prisma),
      poolHint: POOL_HINT,
    });
    this.#prisma = prisma;
    this.#own = options.own;
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
