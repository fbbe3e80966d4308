import {
  type PgPoolLike,
  pgPoolStoreOptionFields,
  type SqlDialectName,
  type SqlStoreOptions,
} from '@dispatch/store-sql';
import { z } from 'zod';
import { isPrismaClient, isPrismaHandle, type PrismaClientLike } from './prisma-types.js';

/** Prisma's `maxWait` and `timeout` (ms) for the transactions the store opens itself. */
export interface PrismaStoreTransactionOptions {
  /**
   * How long to wait for a connection (on SQLite: for a caller's open transaction to end).
   * @default 10000
   */
  maxWait?: number | undefined;
  /**
   * How long the transaction may run before Prisma rolls it back.
   * @default 30000
   */
  timeout?: number | undefined;
}

/**
 * Options of the Prisma outbox store (`OUTBOX_STORE.OPTIONS`): the Prisma Client, and the options
 * every SQL store shares (`tableName`, `requireTransaction`, `notifyChannel`, `preparedStatements`,
 * `analyzeWhenStale`; see `SqlStoreOptions`).
 */
export interface PrismaStoreOptions extends SqlStoreOptions {
  /**
   * The application's Prisma Client (Prisma 7, `new PrismaClient({ adapter })` with
   * `@prisma/adapter-pg`, `@prisma/adapter-mariadb` or `@prisma/adapter-better-sqlite3`), not a
   * transaction. The store runs its SQL through `$queryRawUnsafe` / `$executeRawUnsafe` and never
   * disconnects it.
   */
  prisma: PrismaClientLike;
  /**
   * The database family, when the client's driver adapter is not one the store knows.
   * @default detected from the client's driver adapter (`provider`)
   */
  dialect?: SqlDialectName | undefined;
  /**
   * PostgreSQL only: the `pg` Pool given to `new PrismaPg(pool)`. With it the store sends LISTEN on
   * a connection of its own (wake-ups) and runs the claim and the published-outcome write as named
   * prepared statements on the pool. Without it workers poll and no statement is prepared. It must
   * reach the same database as `prisma` (checked on first use).
   * @default undefined (no wake-ups, no prepared statements)
   */
  pgPool?: PgPoolLike | undefined;
  /**
   * Prisma's `maxWait` and `timeout` for the transactions the store opens itself: the claim on
   * MariaDB/MySQL, a batch written outside any transaction, and on SQLite every statement outside
   * a caller's transaction.
   * @default { maxWait: 10000, timeout: 30000 }
   */
  transactionOptions?: PrismaStoreTransactionOptions | undefined;
}

const milliseconds = z
  .number({ error: 'expected milliseconds (a positive integer)' })
  .int({ error: 'expected milliseconds (a positive integer)' })
  .positive({ error: 'expected milliseconds (a positive integer)' })
  .optional();

export const optionsSchema = z.strictObject({
  prisma: z.custom<PrismaClientLike>((value) => isPrismaClient(value), {
    error: (issue) =>
      isPrismaHandle(issue.input)
        ? 'expected your PrismaClient, not a transaction client: pass the client the transactions come from'
        : 'expected your PrismaClient (new PrismaClient({ adapter }) from your generated client)',
  }),
  transactionOptions: z
    .strictObject(
      { maxWait: milliseconds, timeout: milliseconds },
      { error: 'expected { maxWait?, timeout? } in milliseconds' },
    )
    .optional(),
  ...pgPoolStoreOptionFields('the one you give new PrismaPg(pool)'),
});
