import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expectOldServerRefused, expectSqliteOptionsRefused } from '@dispatch/store-sql/testing';
import { asOldServer, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { DialectAdapterBase } from 'kysely';
import { describe, expect, it } from 'vitest';
import { kyselyStore, startOutboxTransaction, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDb, uniqueTable } from './databases.js';

/** The adapter of a dialect this package has never heard of. */
class HomegrownAdapter extends DialectAdapterBase {
  override get supportsReturning() {
    return true;
  }
  async acquireMigrationLock() {}
  async releaseMigrationLock() {}
}

describe.each(SQL_DATABASES)('bad setups on %s', (kind) => {
  it('refuses a database version without what claiming needs', async () => {
    // The real server answers; only its reported version is swapped for an old one.
    const open = await openDb(kind, { changes: { rewrite: asOldServer(sqlDialectOf(kind)) } });
    const tableName = uniqueTable('old');
    const store = await createStore(kyselyStore, { db: open.db, tableName }, { logger: silentLogger });
    try {
      await expectOldServerRefused(store);
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await open.close();
    }
  });

  it('cannot tell an unknown adapter, says so, and works once told the dialect', async () => {
    const open = await openDb(kind, { changes: { adapter: () => new HomegrownAdapter() } });
    const tableName = uniqueTable('told');
    try {
      const failure = createStore(kyselyStore, { db: open.db, tableName }, { logger: silentLogger }).then(
        (store) => store.migrate(),
      );
      await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
      await expect(failure).rejects.toThrow(/HomegrownAdapter.*OUTBOX_STORE\.OPTIONS\.dialect/);
      const dialect = kind === 'mariadb' ? 'mysql' : kind;
      const store = await createStore(
        kyselyStore,
        { db: open.db, tableName, dialect },
        { logger: silentLogger },
      );
      try {
        await store.migrate();
        const event = makeNewEvent();
        await withOutboxTransaction(open.db, (trx) =>
          store.insert([event], { transaction: trx, onCommit: () => {} }),
        );
        expect((await store.get(event.id))?.status).toBe('pending');
      } finally {
        await store.close();
        await dropOutbox(open, tableName);
      }
    } finally {
      await open.close();
    }
  });
});

describe('options', () => {
  it('rejects a missing db and a bad table name with every problem listed', async () => {
    const failure = createStore(kyselyStore, { db: {}, tableName: 'drop table;' }, { logger: silentLogger });
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/db: expected your Kysely instance/);
    await expect(failure).rejects.toThrow(/tableName/);
  });

  it('rejects a transaction as db, an unknown dialect and a pgPool that is not one', async () => {
    const open = await openDb('sqlite');
    try {
      await withOutboxTransaction(open.db, async (trx) => {
        const failure = createStore(
          kyselyStore,
          { db: trx, dialect: 'oracle', pgPool: 'postgres://' },
          { logger: silentLogger },
        );
        await expect(failure).rejects.toThrow(/db: expected your Kysely instance .*not a transaction/);
        await expect(failure).rejects.toThrow(/dialect: expected 'postgresql', 'mysql' or 'sqlite'/);
        await expect(failure).rejects.toThrow(/pgPool: expected a pg Pool/);
      });
    } finally {
      await open.close();
    }
  });

  it('rejects pgPool off PostgreSQL and a qualified table name on SQLite, naming the option', () =>
    expectSqliteOptionsRefused(openDb, (sqlite, postgres) =>
      createStore(
        kyselyStore,
        { db: sqlite.db, tableName: 'main.outbox', pgPool: postgres.pgPool },
        { logger: silentLogger },
      ),
    ));

  it('checks the arguments of withOutboxTransaction and startOutboxTransaction', async () => {
    const open = await openDb('sqlite');
    try {
      await expect(withOutboxTransaction(open.db, 'work' as never)).rejects.toThrow(
        /work must be a function \(trx\) => Promise, got string/,
      );
      await expect(withOutboxTransaction({} as never, async () => {})).rejects.toThrow(
        /db must be your Kysely instance.*got a plain object/,
      );
      await expect(
        open.db.transaction().execute((trx) => withOutboxTransaction(trx, async () => {})),
      ).rejects.toThrow(/nests only in a transaction opened by withOutboxTransaction/);
      await withOutboxTransaction(open.db, async (trx) => {
        await expect(startOutboxTransaction(trx as never)).rejects.toThrow(/got a transaction/);
      });
    } finally {
      await open.close();
    }
  });
});
