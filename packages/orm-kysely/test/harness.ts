import type { Dispatch } from '@dispatch/core';
import { dispatchOnStore } from '@dispatch/test-services/store-dispatch';
import type { AnyKysely } from '../src/index.js';
import { kyselyStore } from '../src/index.js';
import type { OpenDb } from './databases.js';

/** A Dispatch on the Kysely store of `open`, its table migrated. */
export async function dispatchFor(
  open: OpenDb,
  tableName: string,
  extra: { requireTransaction?: boolean; db?: AnyKysely } = {},
): Promise<Dispatch> {
  const { db = open.db, ...rest } = extra;
  return dispatchOnStore(kyselyStore, { db, tableName, ...rest });
}

/** A business table of `open`'s database, to check it commits and rolls back with the event. */
export async function createOrders(open: OpenDb, tableName: string): Promise<void> {
  await open.db.schema
    .createTable(tableName)
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('customer', 'varchar(255)', (column) => column.notNull())
    .execute();
}
