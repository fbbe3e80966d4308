import pg from 'pg';
import type { Settings } from './settings.js';

/**
 * Create the orders table if it is missing, with plain SQL: one table that all five data layers
 * map, whichever ORM runs. In an application it is a migration of yours; the outbox table next to it
 * comes from `dispatch migrate` (or `dispatch.store.migrate()`).
 */
export async function createOrdersTable(settings: Settings): Promise<void> {
  const { host, port, user, password, database } = settings.postgres;
  const client = new pg.Client({
    host,
    port,
    user,
    database,
    ...(password === undefined ? {} : { password }),
  });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${settings.schema}"`);
    await client.query(
      `create table if not exists "${settings.schema}".orders (
         id serial primary key,
         customer varchar(255) not null,
         total_cents integer not null
       )`,
    );
  } finally {
    await client.end();
  }
}
