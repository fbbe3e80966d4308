import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expectPendingModelRow } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxEntity, createOutboxMigration, typeormStore } from '../src/index.js';
import {
  describeOn,
  dropOutbox,
  openDataSource,
  openOutbox,
  qualifiedOutbox,
  quote,
  sql,
  uniqueTable,
} from './databases.js';

afterAll(() => removeSqliteFiles());

describe.each(SQL_DATABASES)('schema on %s', (db) => {
  it('is created by the TypeORM migration as store.migrate() creates it, and removed by its down()', async () => {
    const tableName = uniqueTable('mig');
    const named = uniqueTable('named');
    const migrationsTableName = uniqueTable('migrations');
    class DispatchOutbox1767225600000 extends createOutboxMigration({ tableName }) {}
    const dataSource = await openDataSource(db, {
      extra: {
        migrationsTableName,
        migrations: [
          DispatchOutbox1767225600000,
          createOutboxMigration({ tableName: named, name: 'DispatchOutboxNamed1767225600001' }),
        ],
      },
    });
    const reference = await openOutbox(db, 'ref');
    const store = await createStore(typeormStore, { dataSource, tableName }, { logger: silentLogger });
    try {
      const ran = await dataSource.runMigrations();
      expect(ran.map((migration) => migration.name)).toEqual([
        'DispatchOutbox1767225600000',
        'DispatchOutboxNamed1767225600001',
      ]);
      expect(await describeOn(dataSource, db, tableName)).toEqual(
        await describeOn(reference.dataSource, db, reference.tableName),
      );
      if (db === 'mariadb') {
        const [row] = await sql(dataSource, `SELECT COUNT(*) AS n FROM \`${tableName}_key_locks\``);
        expect(Number(row?.n)).toBe(4096);
      }
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      // `dispatch migrate` on top of the migration changes nothing and loses nothing.
      await store.migrate();
      await store.migrate();
      expect((await store.get(event.id))?.status).toBe('pending');

      await dataSource.undoLastMigration();
      await dataSource.undoLastMigration();
      await expect(store.get(event.id)).rejects.toThrow(/dispatch migrate.*createOutboxMigration\(\)/);
    } finally {
      await store.close();
      await reference.close();
      await dropOutbox(dataSource, db, tableName);
      await dropOutbox(dataSource, db, named);
      await sql(dataSource, `DROP TABLE IF EXISTS ${quote(db, migrationsTableName)}`);
      await dataSource.destroy();
    }
  });

  it('is readable through createOutboxEntity(), with typed columns', async () => {
    const outbox = await openOutbox(db, 'read');
    const entity = createOutboxEntity({ tableName: outbox.tableName });
    const reader = await openDataSource(db, {
      file: db === 'sqlite' ? String(outbox.dataSource.options.database) : null,
      extra: { entities: [entity] },
    });
    try {
      const event = makeNewEvent({ key: 'k1', data: { total: 3 } });
      await outbox.store.insert([event], { transaction: undefined, onCommit: () => {} });
      const row = await reader.getRepository(entity).findOneByOrFail({ id: event.id });
      expectPendingModelRow({ ...row }, event);
    } finally {
      await reader.destroy();
      await outbox.close();
    }
  });
});

describe.each(['postgresql', 'mariadb'] as const)('a schema-qualified table on %s', (db) => {
  it('works end to end, and createOutboxEntity() reads it', async () => {
    const dataSource = await openDataSource(db);
    const qualified = qualifiedOutbox(dataSource, db);
    const { tableName } = qualified;
    const entity = createOutboxEntity({ tableName });
    const reader = await openDataSource(db, { extra: { entities: [entity] } });
    const store = await createStore(typeormStore, { dataSource, tableName }, { logger: silentLogger });
    try {
      await store.migrate();
      const event = makeNewEvent({ key: 'k' });
      await dataSource.transaction((manager) =>
        store.insert([event], { transaction: manager, onCommit: () => {} }),
      );
      const [claimed] = await store.claim({ owner: 'w1', limit: 1, leaseMs: 10_000 });
      expect(claimed?.id).toBe(event.id);
      await store.record('w1', [{ id: event.id, status: 'published' }]);
      const row = await reader.getRepository(entity).findOneByOrFail({ id: event.id });
      expect(row.status).toBe('published');
      expect(typeof row.publishedAt).toBe('number');
    } finally {
      await store.close();
      await reader.destroy();
      await qualified.drop();
      await dataSource.destroy();
    }
  });
});
