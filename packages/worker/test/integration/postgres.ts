import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';

/** Connection settings of the shared PostgreSQL test server (see the environment notes). */
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', dbName: 'test' } as const;

/** A table name of its own per test, so tests never see each other's events. */
export function tableName(prefix = 'worker_it'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** An ORM of its own (its own pool of up to `maxConnections`) on the shared server. */
export async function openPostgres(maxConnections = 10): Promise<MikroORM> {
  const { MikroORM } = await import('@mikro-orm/core');
  const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return MikroORM.init({
    driver: PostgreSqlDriver,
    ...PG,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    debug: false,
    pool: { min: 0, max: maxConnections },
  });
}

export async function postgresUp(): Promise<boolean> {
  try {
    const orm = await openPostgres();
    try {
      await orm.em.getConnection().execute('select 1');
      return true;
    } finally {
      await orm.close(true);
    }
  } catch {
    return false;
  }
}

export async function dropTable(orm: MikroORM, table: string): Promise<void> {
  await orm.em.getConnection().execute(`drop table if exists "${table}" cascade`);
}

/** Status counts straight from the table. */
export async function statusCounts(orm: MikroORM, table: string): Promise<Record<string, number>> {
  const rows = (await orm.em
    .getConnection()
    .execute(`select status, count(*)::int as n from "${table}" group by status`)) as {
    status: string;
    n: number;
  }[];
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}
