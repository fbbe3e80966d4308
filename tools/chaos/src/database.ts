import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { pause } from './teardown.js';
import type { Query } from './verify.js';

/** The harness's own PostgreSQL connection (setup, aiming, drain and check). */
export function openOrm(url: string): Promise<MikroORM> {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: true,
    pool: { min: 0, max: 2 },
  });
}

export function queryOf(orm: MikroORM): Query {
  return <T>(sql: string) => orm.em.getConnection().execute(sql, [], 'all') as Promise<T[]>;
}

/** Retry `work` through a server restart. */
export async function retrying<T>(
  work: () => Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await pause(500, signal);
    }
  }
}
