import type { Dispatch } from '@dispatch/core';
import { dispatchOnStore } from '@dispatch/test-services/store-dispatch';
import { int as mysqlInt, mysqlTable, varchar as mysqlVarchar } from 'drizzle-orm/mysql-core';
import { pgTable, serial, varchar } from 'drizzle-orm/pg-core';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { type DrizzleStoreOptions, drizzleStore } from '../src/index.js';
import type { DatabaseName, TestDatabase } from './databases.js';

export async function dispatchFor(
  db: unknown,
  tableName: string,
  extra: { requireTransaction?: boolean } = {},
): Promise<Dispatch> {
  return dispatchOnStore(drizzleStore, { db: db as DrizzleStoreOptions['db'], tableName, ...extra });
}

/** A business table, so tests can check it commits and rolls back with the event. */
export function ordersTable(name: DatabaseName, tableName: string) {
  if (name === 'postgresql')
    return pgTable(tableName, {
      id: serial('id').primaryKey(),
      customer: varchar('customer', { length: 64 }),
    });
  if (name === 'mariadb')
    return mysqlTable(tableName, {
      id: mysqlInt('id').primaryKey().autoincrement(),
      customer: mysqlVarchar('customer', { length: 64 }),
    });
  return sqliteTable(tableName, { id: integer('id').primaryKey(), customer: text('customer') });
}

export async function createOrders(database: TestDatabase, tableName: string): Promise<void> {
  const id = {
    postgresql: 'SERIAL PRIMARY KEY',
    mariadb: 'INT AUTO_INCREMENT PRIMARY KEY',
    sqlite: 'INTEGER PRIMARY KEY',
  }[database.name];
  await database.sql(`CREATE TABLE ${tableName} (id ${id}, customer VARCHAR(64))`);
}
