import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { expectOldServerRefused } from '@dispatch/store-sql/testing';
import { asOldServer, removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { afterAll, describe, expect, it } from 'vitest';
import { mikroOrmStore } from '../src/index.js';
import { dialectOf, dropOutbox, openOrm, uniqueTable } from './databases.js';

afterAll(() => removeSqliteFiles());

describe.each(SQL_DATABASES)('bad setups on %s', (db) => {
  it('refuses a database version without what claiming needs', async () => {
    // The real server answers; only its reported version is swapped for an old one.
    const orm = await openOrm(db, { onQuery: asOldServer(dialectOf(db)) });
    const tableName = uniqueTable('old');
    const store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    try {
      await expectOldServerRefused(store);
    } finally {
      await store.close();
      await dropOutbox(orm, db, tableName);
      await orm.close(true);
    }
  });
});

describe('options', () => {
  it('rejects a missing ORM and a bad table name with every problem listed', async () => {
    const failure = createStore(
      mikroOrmStore,
      { orm: {}, tableName: 'drop table;' },
      { logger: silentLogger },
    );
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/orm: expected an initialized MikroORM instance/);
    await expect(failure).rejects.toThrow(/tableName/);
  });
});
