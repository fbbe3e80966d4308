// Kysely (@dispatch/orm-kysely) for bench/stores/run.mjs: PostgresDialect on a pg Pool handed to
// the store as pgPool, as the package README sets it up; publishing runs in withOutboxTransaction,
// the plain transactions in db.transaction().execute; the raw INSERT is sql`...`.execute(trx).
import { fromPackage } from '../lib/from-package.mjs';

export const suite = 'orm-kysely';
/** The store's package: its build, and its dependencies as it resolves them. */
export const pkg = fromPackage('orm-kysely');

export async function open({ connection, orders }) {
  const { kyselyStore, withOutboxTransaction } = await pkg.dist();
  const { Kysely, PostgresDialect, sql } = await pkg.import('kysely');
  const pg = (await pkg.import('pg')).default;
  const pool = new pg.Pool(connection);
  pool.on('error', () => {});
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const work = (write) => async (trx) => {
    const order = await trx
      .insertInto(orders)
      .values({ customer: 'ada', total: 42 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await write?.(trx, order.id);
  };
  return {
    pg,
    store: kyselyStore,
    options: { db, pgPool: pool },
    transaction: (write) => db.transaction().execute(work(write)),
    outboxTransaction: (write) => withOutboxTransaction(db, work(write)),
    // Kysely's sql tag takes the literal parts and the values, bound by the driver.
    execute: (trx, parts, values) => sql(parts, ...values).execute(trx),
    close: () => db.destroy(),
  };
}
