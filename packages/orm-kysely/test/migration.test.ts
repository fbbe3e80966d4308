import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { KEY_LOCK_BUCKETS } from '@dispatch/store-sql';
import { describeTable } from '@dispatch/store-sql/testing';
import { SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { CompiledQuery } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxMigration, kyselyStore } from '../src/index.js';
import { dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';

/** The outbox table `table` as the database describes it. */
const describeOn = (open: OpenDb, table: string) =>
  describeTable(
    async (text, params = []) =>
      (await open.db.executeQuery(CompiledQuery.raw(text, params))).rows as Record<string, unknown>[],
    sqlDialectOf(open.kind),
    table,
    { collation: true },
  );

describe.each(SQL_DATABASES)('schema on %s', (kind) => {
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
    const before = await describeOn(open, tableName);
    await store.migrate();
    expect(await describeOn(open, tableName)).toEqual(before);
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
    expect(await describeOn(open, byMigration)).toEqual(await describeOn(open, byStore));
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
    expect(await describeOn(open, byMigration)).toEqual(await describeOn(open, byStore));
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
