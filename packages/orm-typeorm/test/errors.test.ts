import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { typeormStore } from '../src/index.js';
import { dataSourceOptions, openDataSource, uniqueTable } from './databases.js';

describe('options', () => {
  it('rejects a missing DataSource and a bad table name with every problem listed', async () => {
    const failure = createStore(
      typeormStore,
      { dataSource: {}, tableName: 'drop table;' },
      { logger: silentLogger },
    );
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/dataSource: expected your TypeORM DataSource/);
    await expect(failure).rejects.toThrow(/tableName/);
  });

  it('refuses a DataSource type it does not run on, naming the ones it does', async () => {
    // Not initialized: the store refuses it from its type alone.
    const cockroach = new DataSource({ type: 'cockroachdb', host: '127.0.0.1', timeTravelQueries: false });
    const failure = createStore(typeormStore, { dataSource: cockroach }, { logger: silentLogger }).then(
      (store) => store.migrate(),
    );
    await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
    await expect(failure).rejects.toThrow(
      /'postgres', 'mysql', 'mariadb' and 'better-sqlite3'.*type 'cockroachdb'/,
    );
  });

  it('refuses a qualified table name on SQLite', async () => {
    const dataSource = new DataSource(dataSourceOptions('sqlite'));
    await expect(
      createStore(typeormStore, { dataSource, tableName: 'main.outbox' }, { logger: silentLogger }).then(
        (store) => store.migrate(),
      ),
    ).rejects.toThrow(/OUTBOX_STORE\.OPTIONS\.tableName: SQLite takes a plain table name/);
    removeSqliteFiles();
  });

  it('says to initialize a DataSource that is not, and works once it is', async () => {
    const dataSource = new DataSource(dataSourceOptions('sqlite'));
    const tableName = uniqueTable('late');
    const store = await createStore(typeormStore, { dataSource, tableName }, { logger: silentLogger });
    try {
      await expect(store.migrate()).rejects.toThrow(
        /OUTBOX_STORE\.OPTIONS\.dataSource: is not initialized: await dataSource\.initialize\(\)/,
      );
      await dataSource.initialize();
      await store.migrate();
      // Transactions are still seen although initialize() replaced the DataSource's subscribers.
      let commits = 0;
      await dataSource.transaction((manager) =>
        store.insert([makeNewEvent()], { transaction: manager, onCommit: () => commits++ }),
      );
      expect(commits).toBe(1);
    } finally {
      await store.close();
      if (dataSource.isInitialized) await dataSource.destroy();
      removeSqliteFiles();
    }
  });
});

describe.each(SQL_DATABASES)('a missing table on %s', (db) => {
  it('is reported with the way to create it, also inside a transaction', async () => {
    const dataSource = await openDataSource(db);
    const store = await createStore(
      typeormStore,
      { dataSource, tableName: uniqueTable('missing') },
      { logger: silentLogger },
    );
    try {
      const message =
        /does not exist\. Run `dispatch migrate` \(or run the TypeORM migration from createOutboxMigration\(\)/;
      await expect(store.get('x')).rejects.toMatchObject({ code: 'DISPATCH_STORE_NOT_READY', message });
      await expect(
        dataSource.transaction((manager) =>
          store.insert([makeNewEvent()], { transaction: manager, onCommit: () => {} }),
        ),
      ).rejects.toThrow(message);
    } finally {
      await store.close();
      await dataSource.destroy();
      removeSqliteFiles();
    }
  });
});
