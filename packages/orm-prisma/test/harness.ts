import { createDispatch, type Dispatch, defineBackend, defineConfig, published } from '@dispatch/core';
import { prismaStore } from '../src/index.js';
import type { OpenDb, TestPrisma } from './databases.js';
import { modelTables } from './prisma-clients.js';

/** A backend that accepts everything: these tests are about the store. */
export const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});

/** The transaction client of the test clients. */
export type Tx = Parameters<Parameters<TestPrisma['$transaction']>[0]>[0];

/** A Dispatch on the Prisma store of `open`, its table migrated. */
export async function dispatchFor(
  open: OpenDb,
  tableName: string,
  extra: Record<string, unknown> = {},
): Promise<Dispatch> {
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: { STORE: prismaStore, OPTIONS: { prisma: open.prisma, tableName, ...extra } },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
  await dispatch.store.migrate();
  return dispatch;
}

/** The table of the generated `Order` model, to check it commits and rolls back with the event. */
export async function createOrders(open: OpenDb): Promise<void> {
  const id = {
    postgresql: 'SERIAL PRIMARY KEY',
    mariadb: 'INT AUTO_INCREMENT PRIMARY KEY',
    sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  }[open.kind];
  await open.exec(
    `CREATE TABLE IF NOT EXISTS ${modelTables().orders} (id ${id}, customer VARCHAR(255) NOT NULL)`,
  );
}

export async function dropOrders(open: OpenDb): Promise<void> {
  await open.exec(`DROP TABLE IF EXISTS ${modelTables().orders}`);
}
