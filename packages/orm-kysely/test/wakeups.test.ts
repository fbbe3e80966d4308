import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import { POSTGRES_TEST } from '@dispatch/test-services/sql-databases';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyStore, startOutboxTransaction, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';

// The wake-up rules every SQL store shares run in sql-suites.test.ts; these are the Kysely ways to
// commit and the pg Pool the store is given for them.
describe('LISTEN/NOTIFY wake-ups on postgresql', () => {
  let open: OpenDb;
  let store: OutboxStore;
  let tableName: string;

  beforeAll(async () => {
    open = await openDb('postgresql');
    tableName = uniqueTable('wake');
    store = await createStore(
      kyselyStore,
      { db: open.db, pgPool: open.pgPool, tableName },
      { logger: silentLogger },
    );
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await dropOutbox(open, tableName);
    await open.close();
  });

  const waitFor = async (check: () => boolean, ms: number) => {
    for (let waited = 0; !check() && waited < ms; waited += 10) await sleep(10);
  };
  const insert = (target: OutboxStore, transaction?: unknown) =>
    target.insert([makeNewEvent()], { transaction, onCommit: () => {} });

  it('wakes only once the inserting transaction commits, and never for a rollback', async () => {
    let woken = 0;
    const unsubscribe = await store.subscribe(() => woken++);
    try {
      await withOutboxTransaction(open.db, async (trx) => {
        await insert(store, trx);
        await sleep(300);
        expect(woken).toBe(0);
      });
      await waitFor(() => woken > 0, 2000);
      expect(woken).toBe(1);

      await expect(
        withOutboxTransaction(open.db, async (trx) => {
          await insert(store, trx);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      const controlled = await startOutboxTransaction(open.db);
      await insert(store, controlled);
      await controlled.rollback().execute();
      await sleep(300);
      expect(woken).toBe(1);
    } finally {
      await unsubscribe();
    }
  });

  it('listens on a connection of its own, not one of the pool', async () => {
    const unsubscribe = await store.subscribe(() => {});
    try {
      const listeners = await open.exec(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN "dispatch_${tableName}"%'`,
      );
      expect(listeners[0]?.n).toBe(1);
      // Every pooled connection is free: the LISTEN one is not among them.
      expect(open.pgPool?.totalCount).toBe(open.pgPool?.idleCount);
    } finally {
      await unsubscribe();
    }
  });

  it('has no wake-ups without pgPool (workers poll)', async () => {
    const polling = await createStore(kyselyStore, { db: open.db, tableName }, { logger: silentLogger });
    try {
      let woken = 0;
      const unsubscribe = await polling.subscribe(() => woken++);
      await insert(store);
      await sleep(300);
      expect(woken).toBe(0);
      await unsubscribe();
    } finally {
      await polling.close();
    }
  });

  it('refuses a pgPool that reaches another database, naming the option', async () => {
    const elsewhere = new pg.Pool({ ...POSTGRES_TEST, database: 'postgres', max: 1 });
    const wrong = await createStore(
      kyselyStore,
      { db: open.db, pgPool: elsewhere, tableName },
      { logger: silentLogger },
    );
    try {
      const failure = wrong.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
      await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_CONFIG_INVALID' });
      await expect(failure).rejects.toThrow(/OUTBOX_STORE\.OPTIONS\.pgPool: reaches database "postgres"/);
    } finally {
      await wrong.close();
      await elsewhere.end();
    }
  });

  it('runs the claim and the published write as prepared statements on the pool', async () => {
    const pool = open.pgPool as pg.Pool;
    const names: string[] = [];
    const query = pool.query.bind(pool) as (config: unknown) => Promise<unknown>;
    // Observe the real pool: which named statements reach it.
    (pool as unknown as { query: typeof query }).query = (config) => {
      const name = (config as { name?: unknown }).name;
      if (typeof name === 'string') names.push(name);
      return query(config);
    };
    try {
      const event = makeNewEvent();
      await insert(store);
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      const claimed = await store.claim({ owner: 'w-prepared', limit: 100, leaseMs: 10_000 });
      expect(claimed.map((row) => row.id)).toContain(event.id);
      const result = await store.record(
        'w-prepared',
        claimed.map((row) => ({ id: row.id, status: 'published' as const })),
      );
      expect(result.applied).toHaveLength(claimed.length);
      expect(names.length).toBe(2);
      expect(names.every((name) => name.startsWith('dispatch_'))).toBe(true);
    } finally {
      delete (pool as unknown as { query?: unknown }).query;
    }
  });
});
