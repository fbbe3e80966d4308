import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { Migrator } from '@mikro-orm/migrations';
import { afterAll, describe, expect, it } from 'vitest';
import { mikroOrmStore } from '../src/index.js';
import { createOutboxMigration } from '../src/migration.js';
import { openOrm, uniqueTable } from './databases.js';

afterAll(() => removeSqliteFiles());

describe.each(SQL_DATABASES)('schema on %s', (db) => {
  it('is created by the MikroORM migration, and removed by its down()', async () => {
    const tableName = uniqueTable('mig');
    const migrationsTable = uniqueTable('migrations');
    const orm = await openOrm(db, {
      extensions: [Migrator],
      migrations: {
        tableName: migrationsTable,
        migrationsList: [
          { name: 'Migration20260101000000_outbox', class: createOutboxMigration({ tableName }) },
        ],
      },
    });
    const store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    try {
      await orm.migrator.up();
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      expect((await store.get(event.id))?.status).toBe('pending');
      // `dispatch migrate` on top of the migration changes nothing and loses nothing.
      await store.migrate();
      await store.migrate();
      expect((await store.get(event.id))?.status).toBe('pending');
      await orm.migrator.down();
      await expect(store.get(event.id)).rejects.toThrow(/dispatch migrate/);
    } finally {
      await store.close();
      const platform = orm.em.getPlatform();
      await orm.em
        .getConnection()
        .execute(`DROP TABLE IF EXISTS ${platform.quoteIdentifier(migrationsTable)}`);
      await orm.close(true);
    }
  });
});
