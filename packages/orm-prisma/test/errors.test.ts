import { ConfigError, createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expectSqliteOptionsRefused } from '@dispatch/store-sql/testing';
import { POSTGRES_TEST, removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { prismaStore, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDb, uniqueTable } from './databases.js';

describe('options', () => {
  it('rejects a missing client and a bad table name with every problem listed', async () => {
    const failure = createStore(
      prismaStore,
      { prisma: {}, tableName: 'drop table;' },
      { logger: silentLogger },
    );
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(/prisma: expected your PrismaClient/);
    await expect(failure).rejects.toThrow(/tableName/);
  });

  it('rejects a transaction as the client, an unknown dialect, a pgPool that is not one and bad timeouts', async () => {
    const open = await openDb('sqlite');
    try {
      await withOutboxTransaction(open.prisma, async (tx) => {
        const failure = createStore(
          prismaStore,
          {
            prisma: tx,
            dialect: 'oracle',
            pgPool: 'postgres://',
            transactionOptions: { maxWait: -1, retries: 2 },
          },
          { logger: silentLogger },
        );
        await expect(failure).rejects.toThrow(/prisma: expected your PrismaClient, not a transaction client/);
        await expect(failure).rejects.toThrow(/dialect: expected 'postgresql', 'mysql' or 'sqlite'/);
        await expect(failure).rejects.toThrow(/pgPool: expected a pg Pool/);
        await expect(failure).rejects.toThrow(/transactionOptions/);
      });
    } finally {
      await open.close();
      removeSqliteFiles();
    }
  });

  it('rejects pgPool off PostgreSQL and a qualified table name on SQLite, naming the option', () =>
    expectSqliteOptionsRefused(openDb, (sqlite, postgres) =>
      createStore(
        prismaStore,
        { prisma: sqlite.prisma, tableName: 'main.outbox', pgPool: postgres.pgPool },
        { logger: silentLogger },
      ),
    ).finally(removeSqliteFiles));

  it('cannot tell a client without a driver adapter, says so, and works once told the dialect', async () => {
    const open = await openDb('postgresql');
    // The client as the store sees it, less the driver adapter it was created with.
    const withoutAdapter = new Proxy(open.prisma, {
      get: (target, property) => (property === '_engineConfig' ? {} : Reflect.get(target, property)),
    });
    const tableName = uniqueTable('told');
    try {
      const failure = createStore(prismaStore, { prisma: withoutAdapter }, { logger: silentLogger }).then(
        (store) => store.migrate(),
      );
      await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
      await expect(failure).rejects.toThrow(/found no driver adapter.*OUTBOX_STORE\.OPTIONS\.dialect/);
      const store = await createStore(
        prismaStore,
        { prisma: withoutAdapter, dialect: 'postgresql', tableName },
        { logger: silentLogger },
      );
      try {
        await store.migrate();
        const event = makeNewEvent();
        await store.insert([event], { transaction: undefined, onCommit: () => {} });
        expect((await store.get(event.id))?.status).toBe('pending');
      } finally {
        await store.close();
      }
    } finally {
      await dropOutbox(open, tableName);
      await open.close();
    }
  });
});

describe('the pg Pool on PostgreSQL', () => {
  it('runs the claim as a prepared statement on the pool', async () => {
    const open = await openDb('postgresql', { poolSize: 1 });
    const tableName = uniqueTable('prep');
    const store = await createStore(
      prismaStore,
      { prisma: open.prisma, pgPool: open.pgPool, tableName },
      { logger: silentLogger },
    );
    try {
      await store.migrate();
      await store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: 10_000 })).toHaveLength(1);
      // One connection: the one the claim was prepared on.
      const prepared = await open.exec(
        "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'dispatch_%'",
      );
      expect(prepared[0]?.n).toBeGreaterThan(0);
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await open.close();
    }
  });

  it('refuses a pool of another database before claiming, naming pgPool', async () => {
    const open = await openDb('postgresql');
    const elsewhere = new pg.Pool({ ...POSTGRES_TEST, database: 'postgres', max: 1 });
    const tableName = uniqueTable('wrongpool');
    const store = await createStore(
      prismaStore,
      { prisma: open.prisma, pgPool: elsewhere, tableName },
      { logger: silentLogger },
    );
    try {
      await store.migrate();
      const failure = store.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
      await expect(failure).rejects.toBeInstanceOf(ConfigError);
      await expect(failure).rejects.toThrow(/OUTBOX_STORE\.OPTIONS\.pgPool: reaches database "postgres"/);
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await elsewhere.end();
      await open.close();
    }
  });
});
