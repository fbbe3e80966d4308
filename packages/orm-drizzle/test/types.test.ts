import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MySql2Database } from 'drizzle-orm/mysql2';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import { outboxTablePg, withOutboxTransaction } from '../src/index.js';

/** The tx type Drizzle's own `db.transaction` hands to its callback. */
type DrizzleTx<TDb extends { transaction: (...args: never[]) => unknown }> = Parameters<
  Parameters<TDb['transaction']>[0]
>[0];

// Compile-time checks (the package's typecheck runs them): the wrapper hands out Drizzle's own tx type.
describe('types', () => {
  it("gives the callback Drizzle's tx type of the database, and takes its config type", () => {
    type PgDb = NodePgDatabase & { $client: pg.Pool };
    const pgTx = (db: PgDb) =>
      withOutboxTransaction(
        db,
        async (tx) => {
          expectTypeOf(tx).not.toBeAny();
          expectTypeOf(tx).toEqualTypeOf<DrizzleTx<PgDb>>();
          const rows = await tx.select().from(outboxTablePg());
          expectTypeOf(rows[0]?.seq).toEqualTypeOf<number | undefined>();
          return rows.length;
        },
        { isolationLevel: 'serializable' },
      );
    expectTypeOf(pgTx).returns.toEqualTypeOf<Promise<number>>();
    const mysqlTx = (db: MySql2Database) =>
      withOutboxTransaction(db, async (tx) => expectTypeOf(tx).toEqualTypeOf<DrizzleTx<MySql2Database>>());
    type SqliteDb = BetterSQLite3Database & { $client: Database.Database };
    const sqliteTx = (db: SqliteDb) =>
      withOutboxTransaction(db, async (tx) => expectTypeOf(tx).toEqualTypeOf<DrizzleTx<SqliteDb>>(), {
        behavior: 'immediate',
      });
    const postgresConfig = { isolationLevel: 'serializable' } as const;
    const wrongConfig = (db: SqliteDb) =>
      // @ts-expect-error: a config of another dialect is refused.
      withOutboxTransaction(db, async () => {}, postgresConfig);
    void [mysqlTx, sqliteTx, wrongConfig];
  });
});
