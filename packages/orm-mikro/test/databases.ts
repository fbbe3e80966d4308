import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { MikroORM, type Options } from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type DialectKind, mikroOrmStore, outboxSchemaSql } from '../src/index.js';

/** `mysql` is the mysql2-based driver, run against the MariaDB server. */
export type Database = 'sqlite' | 'postgresql' | 'mariadb' | 'mysql';

export const DATABASES: readonly Database[] = ['sqlite', 'postgresql', 'mariadb'];

export const dialectOf = (db: Database): DialectKind => (db === 'mariadb' ? 'mysql' : db);

const folders: string[] = [];

/** A fresh SQLite file in a temp folder, removed by `removeTempFiles`. */
export function sqliteFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'dispatch-orm-mikro-'));
  folders.push(folder);
  return join(folder, 'outbox.sqlite');
}

export function removeTempFiles(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** An ORM on the local test servers (see the package README for the addresses). */
export async function openOrm(db: Database, extra: Partial<Options> = {}): Promise<MikroORM> {
  const common = {
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
    ...extra,
  } as Options;
  if (db === 'sqlite') {
    // A file given (a claimer process joining a test's database) is used as it is.
    const dbName = extra.dbName ?? sqliteFile();
    return MikroORM.init({ driver: BetterSqliteDriver, ...common, dbName } as Options);
  }
  if (db === 'postgresql') {
    return MikroORM.init({
      driver: PostgreSqlDriver,
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      dbName: 'test',
      ...common,
    } as Options);
  }
  return MikroORM.init({
    driver: db === 'mysql' ? MySqlDriver : MariaDbDriver,
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    password: '',
    dbName: 'test',
    ...common,
  } as Options);
}

let counter = 0;

/** A table name no other test run uses. */
export function uniqueTable(prefix: string): string {
  counter += 1;
  return `ob_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export async function dropOutbox(orm: MikroORM, db: Database, tableName: string): Promise<void> {
  const platform = orm.em.getPlatform();
  const { down } = outboxSchemaSql({
    dialect: dialectOf(db),
    tableName,
    quote: (name) => platform.quoteIdentifier(name),
  });
  for (const sql of down) await orm.em.getConnection().execute(sql, [], 'run');
}

/** A migrated MikroORM store on a fresh table of `db`, and how to drop the table and close it all. */
export interface TestOutbox {
  orm: MikroORM;
  store: OutboxStore;
  tableName: string;
  close(): Promise<void>;
}

export async function openOutbox(
  db: Database,
  prefix: string,
  options: { entities?: Options['entities']; tableName?: string } = {},
): Promise<TestOutbox> {
  const orm = await openOrm(db, options.entities ? { entities: options.entities } : {});
  const tableName = options.tableName ?? uniqueTable(prefix);
  const store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
  await store.migrate();
  return {
    orm,
    store,
    tableName,
    async close() {
      await store.close();
      await dropOutbox(orm, db, tableName);
      await orm.close(true);
      removeTempFiles();
    },
  };
}
