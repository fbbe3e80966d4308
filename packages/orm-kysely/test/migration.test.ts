import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { KEY_LOCK_BUCKETS } from '@dispatch/store-sql';
import { CompiledQuery } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxMigration, kyselyStore } from '../src/index.js';
import { DATABASES, type DatabaseKind, dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';

/** The columns and indexes of a table as the database reports them, its own name replaced by `T`. */
async function describeTable(open: OpenDb, table: string): Promise<string> {
  const queries: Record<DatabaseKind, string[]> = {
    postgresql: [
      `SELECT column_name, data_type, is_nullable, column_default, is_identity, identity_generation
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
       ORDER BY ordinal_position`,
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
       ORDER BY indexname`,
    ],
    mariadb: [
      `SELECT column_name, column_type, is_nullable, column_default, extra, collation_name
       FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
      `SELECT index_name, non_unique, seq_in_index, column_name, sub_part
       FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?
       ORDER BY index_name, seq_in_index`,
    ],
    sqlite: [
      `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`,
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`,
    ],
  };
  const parts: unknown[] = [];
  for (const sql of queries[open.kind]) {
    parts.push((await open.db.executeQuery(CompiledQuery.raw(sql, [table]))).rows);
  }
  return JSON.stringify(parts).replaceAll(table, 'T');
}

describe.each(DATABASES)('schema on %s', (kind) => {
  let open: OpenDb;
  const stores: OutboxStore[] = [];
  const tables: string[] = [];
  const migrationTables: string[] = [];

  beforeAll(async () => {
    open = await openDb(kind);
  });

  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const table of tables) await dropOutbox(open, table);
    for (const table of migrationTables) await open.db.schema.dropTable(table).ifExists().execute();
    await open.close();
  });

  const storeOn = async (tableName: string) => {
    const store = await createStore(kyselyStore, { db: open.db, tableName }, { logger: silentLogger });
    stores.push(store);
    tables.push(tableName);
    return store;
  };

  const migratorFor = (tableName: string) => {
    const migrationTableName = uniqueTable('kmig');
    migrationTables.push(migrationTableName, `${migrationTableName}_lock`);
    return new Migrator({
      db: open.db,
      migrationTableName,
      migrationLockTableName: `${migrationTableName}_lock`,
      provider: {
        getMigrations: async () => ({ '2026-01-01-outbox': createOutboxMigration({ tableName }) }),
      },
    });
  };

  it('is created by `migrate()`, which finds it the next time and keeps its rows', async () => {
    const tableName = uniqueTable('mig');
    const store = await storeOn(tableName);
    await store.migrate();
    const event = makeNewEvent({ key: 'k' });
    await store.insert([event], { transaction: undefined, onCommit: () => {} });
    const before = await describeTable(open, tableName);
    await store.migrate();
    expect(await describeTable(open, tableName)).toBe(before);
    expect((await store.get(event.id))?.status).toBe('pending');
  });

  it('is created by the Kysely migration in a real Migrator, the same as `migrate()`, and dropped by down', async () => {
    const byStore = uniqueTable('mig');
    const byMigration = uniqueTable('mig');
    await (await storeOn(byStore)).migrate();
    const store = await storeOn(byMigration);
    const migrator = migratorFor(byMigration);

    const up = await migrator.migrateToLatest();
    expect(up.error).toBeUndefined();
    expect(up.results).toEqual([{ migrationName: '2026-01-01-outbox', direction: 'Up', status: 'Success' }]);
    expect(await describeTable(open, byMigration)).toBe(await describeTable(open, byStore));
    if (kind === 'mariadb') {
      const locks = await open.exec(`SELECT COUNT(*) AS n FROM \`${byMigration}_key_locks\``);
      expect(Number(locks[0]?.n)).toBe(KEY_LOCK_BUCKETS);
    }

    const event = makeNewEvent({ key: 'k' });
    await store.insert([event], { transaction: undefined, onCommit: () => {} });
    const [claimed] = await store.claim({ owner: 'w1', limit: 1, leaseMs: 10_000 });
    expect(claimed?.id).toBe(event.id);
    // `dispatch migrate` on top of the migration changes nothing and loses nothing.
    await store.migrate();
    expect(await describeTable(open, byMigration)).toBe(await describeTable(open, byStore));
    expect((await store.get(event.id))?.status).toBe('processing');

    const down = await migrator.migrateDown();
    expect(down.error).toBeUndefined();
    expect(down.results?.[0]).toMatchObject({ direction: 'Down', status: 'Success' });
    await expect(store.get(event.id)).rejects.toMatchObject({ code: 'DISPATCH_STORE_NOT_READY' });
    await expect(store.get(event.id)).rejects.toThrow(/dispatch migrate.*createOutboxMigration/);
  });

  it('refuses a bad table name or dialect for the migration', () => {
    expect(() => createOutboxMigration({ tableName: 'drop table;' })).toThrow(/tableName/);
    expect(() => createOutboxMigration({ dialect: 'oracle' as never })).toThrow(/'postgresql', 'mysql'/);
  });
});
