import pg from 'pg';
import type { Settings } from '../settings.js';

/** A node-postgres pool for the ORMs that take one (Prisma, Drizzle, Kysely). */
export function openPool(settings: Settings): pg.Pool {
  const { host, port, user, password, database } = settings.postgres;
  const pool = new pg.Pool({ host, port, user, database, ...(password === undefined ? {} : { password }) });
  // node-postgres emits 'error' when the server drops an idle connection; unhandled, it ends the process.
  pool.on('error', (error) => console.warn('PostgreSQL pool:', error.message));
  return pool;
}
