import {
  dropTables,
  MARIADB_TEST,
  POSTGRES_TEST,
  temporarySqliteFile,
  uniqueTableNames,
} from '@dispatch/test-services/sql-databases';
import { type MigratedStore, migratedStore } from '@dispatch/test-services/store-dispatch';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { MikroORM, type Options } from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { MySqlDriver } from '@mikro-orm/mysql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type DialectKind, mikroOrmStore, outboxSchemaSql } from '../src/index.js';

/** `mysql` is the mysql2-based driver, run against the MariaDB server. */
export type Database = 'sqlite' | 'postgresql' | 'mariadb' | 'mysql';

export const dialectOf = (db: Database): DialectKind => (db === 'mariadb' ? 'mysql' : db);

/** A fresh SQLite file in a temp folder, removed by `removeSqliteFiles`. */
export const sqliteFile = (): string => temporarySqliteFile('orm-mikro');

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
      host: POSTGRES_TEST.host,
      port: POSTGRES_TEST.port,
      user: POSTGRES_TEST.user,
      dbName: POSTGRES_TEST.database,
      ...common,
    } as Options);
  }
  return MikroORM.init({
    driver: db === 'mysql' ? MySqlDriver : MariaDbDriver,
    host: MARIADB_TEST.host,
    port: MARIADB_TEST.port,
    user: MARIADB_TEST.user,
    password: MARIADB_TEST.password,
    dbName: MARIADB_TEST.database,
    ...common,
  } as Options);
}

/** A table name no other test run uses. */
export const uniqueTable = uniqueTableNames('ob');

export async function dropOutbox(orm: MikroORM, db: Database, tableName: string): Promise<void> {
  const platform = orm.em.getPlatform();
  const { down } = outboxSchemaSql({
    dialect: dialectOf(db),
    tableName,
    quote: (name) => platform.quoteIdentifier(name),
  });
  await dropTables(down, (sql) => orm.em.getConnection().execute(sql, [], 'run'));
}

/** A migrated MikroORM store on a fresh table of `db`, and how to drop the table and close it all. */
export interface TestOutbox extends MigratedStore {
  orm: MikroORM;
}

export async function openOutbox(
  db: Database,
  prefix: string,
  options: { entities?: Options['entities']; tableName?: string } = {},
): Promise<TestOutbox> {
  const orm = await openOrm(db, options.entities ? { entities: options.entities } : {});
  const tableName = options.tableName ?? uniqueTable(prefix);
  const migrated = await migratedStore(
    mikroOrmStore,
    { orm, tableName },
    { dropOutbox: (table) => dropOutbox(orm, db, table), close: () => orm.close(true) },
  );
  return { orm, ...migrated };
}
