import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { afterAll, describe, expect, it } from 'vitest';
import { mikroOrmStore } from '../src/index.js';
import { DATABASES, openOrm, removeTempFiles, uniqueTable } from './databases.js';

afterAll(() => removeTempFiles());

const VERSION_QUERIES = /^SELECT (current_setting\('server_version'\)|VERSION\(\)|sqlite_version\(\)) AS n$/;
const OLD: Record<string, string> = {
  sqlite: "SELECT '3.31.1' AS n",
  postgresql: "SELECT '9.4.26' AS n",
  mariadb: "SELECT '10.5.23-MariaDB' AS n",
};

describe.each(DATABASES)('bad setups on %s', (db) => {
  it('refuses a database version without what claiming needs', async () => {
    // The real server answers; only its reported version is swapped for an old one.
    const orm = await openOrm(db, {
      onQuery: (sql: string) => (VERSION_QUERIES.test(sql) ? (OLD[db] ?? sql) : sql),
    });
    const tableName = uniqueTable('old');
    const store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    try {
      await store.migrate();
      const failure = store.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
      await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
      await expect(failure).rejects.toThrow(/or later/);
    } finally {
      await store.close();
      const platform = orm.em.getPlatform();
      await orm.em.getConnection().execute(`DROP TABLE IF EXISTS ${platform.quoteIdentifier(tableName)}`);
      if (db === 'mariadb') {
        await orm.em
          .getConnection()
          .execute(`DROP TABLE IF EXISTS ${platform.quoteIdentifier(`${tableName}_key_locks`)}`);
      }
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
