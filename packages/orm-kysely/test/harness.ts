import { createDispatch, type Dispatch, defineBackend, defineConfig, published } from '@dispatch/core';
import type { AnyKysely } from '../src/index.js';
import { kyselyStore } from '../src/index.js';
import type { OpenDb } from './databases.js';

/** A backend that accepts everything: these tests are about the store. */
export const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});

/** A Dispatch on the Kysely store of `open`, its table migrated. */
export async function dispatchFor(
  open: OpenDb,
  tableName: string,
  extra: { requireTransaction?: boolean; db?: AnyKysely } = {},
): Promise<Dispatch> {
  const { db = open.db, ...rest } = extra;
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: { STORE: kyselyStore, OPTIONS: { db, tableName, ...rest } },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
  await dispatch.store.migrate();
  return dispatch;
}

/** A business table of `open`'s database, to check it commits and rolls back with the event. */
export async function createOrders(open: OpenDb, tableName: string): Promise<void> {
  await open.db.schema
    .createTable(tableName)
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('customer', 'varchar(255)', (column) => column.notNull())
    .execute();
}
