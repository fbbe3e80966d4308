import { createStore, type Dispatch, type OutboxStore, silentLogger } from '@dispatch/core';
import { dispatchOnStore } from '@dispatch/test-services/store-dispatch';
import { prismaStore } from '../src/index.js';
import type { OpenDb, TestPrisma } from './databases.js';
import { modelTables } from './prisma-clients.js';

/** The transaction client of the test clients. */
export type Tx = Parameters<Parameters<TestPrisma['$transaction']>[0]>[0];

/** A Dispatch on the Prisma store of `open`, its table migrated. */
export async function dispatchFor(
  open: OpenDb,
  tableName: string,
  extra: Record<string, unknown> = {},
): Promise<Dispatch> {
  return dispatchOnStore(prismaStore, { prisma: open.prisma, tableName, ...extra });
}

/** A Prisma store of `open` on `tableName`, its table not migrated. */
export function storeOn(open: OpenDb, tableName: string): Promise<OutboxStore> {
  return createStore(prismaStore, { prisma: open.prisma, tableName }, { logger: silentLogger });
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
