import { MikroORM as MariaDbORM } from '@mikro-orm/mariadb';
import { MikroORM as PostgreSqlORM } from '@mikro-orm/postgresql';

export type Database = 'postgresql' | 'mariadb';

type AnyORM = PostgreSqlORM | MariaDbORM;

const common = {
  entities: [],
  discovery: { warnWhenNoEntities: false },
  allowGlobalContext: true,
  dbName: 'test',
};

/** MikroORM 7 on the local servers. */
export function openOrm(db: Database, extra: Record<string, unknown> = {}): Promise<AnyORM> {
  return db === 'postgresql'
    ? PostgreSqlORM.init({ ...common, host: '127.0.0.1', port: 5432, user: 'postgres', ...extra })
    : MariaDbORM.init({ ...common, host: '127.0.0.1', port: 3306, user: 'root', password: '', ...extra });
}

let counter = 0;

export function uniqueTable(prefix: string): string {
  counter += 1;
  return `ob_v7_${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export async function dropTables(orm: AnyORM, ...tables: string[]): Promise<void> {
  const platform = orm.em.getPlatform();
  for (const table of tables) {
    await orm.em.getConnection().execute(`DROP TABLE IF EXISTS ${platform.quoteIdentifier(table)}`);
  }
}
