import { AsyncResource } from 'node:async_hooks';
import type { Dispatch } from '@dispatch/core';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDatabase, type TestDatabase, uniqueTable } from './databases.js';
import { dispatchFor } from './harness.js';

// better-sqlite3 has one connection per Database, shared by the application and the store.
describe('one SQLite connection shared by transactions and the store', () => {
  const outbox = uniqueTable('sqlite');
  let database: TestDatabase;
  let dispatch: Dispatch;
  const event = (n: number) => ({ eventType: 'order.created', source: 'tests', data: { n } });

  beforeAll(async () => {
    database = await openDatabase('sqlite');
    dispatch = await dispatchFor(database.db, outbox);
  });

  afterAll(async () => {
    await dispatch.close();
    await dropOutbox(database, outbox);
    await database.close();
    removeSqliteFiles();
  });

  it('runs concurrent transactions one after the other instead of nesting them', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map((n) =>
        withOutboxTransaction(database.db, async (tx) => {
          const written = await dispatch.publisher.publishEvent(event(n), { transaction: tx });
          await new Promise((resolve) => setTimeout(resolve, 20));
          return written.id;
        }),
      ),
    );
    for (const id of ids) expect((await dispatch.store.get(id))?.status).toBe('pending');
  });

  it('makes the store wait for an open transaction instead of reading or writing inside it', async () => {
    // Started outside the transaction's async context, as a worker's claim would be.
    const outside = AsyncResource.bind((work: () => Promise<unknown>) => work());
    let id = '';
    let reader: Promise<unknown> | undefined;
    let claim: Promise<unknown[]> | undefined;
    await expect(
      withOutboxTransaction(database.db, async (tx) => {
        id = (await dispatch.publisher.publishEvent(event(4), { transaction: tx })).id;
        reader = outside(() => dispatch.store.get(id));
        claim = outside(() => dispatch.store.claim({ owner: 'w1', limit: 10, leaseMs: 10_000 })) as Promise<
          unknown[]
        >;
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Inside the transaction the store reads what it wrote.
        expect((await dispatch.store.get(id))?.status).toBe('pending');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // They ran after the rollback: the event never existed for them.
    expect(await reader).toBeNull();
    expect((await claim)?.map((row) => (row as { id: string }).id)).not.toContain(id);
  });

  it('turns a transaction opened inside another into a savepoint of it', async () => {
    let inner = '';
    let outer = '';
    await withOutboxTransaction(database.db, async () => {
      outer = (await dispatch.publisher.publishEvent(event(5))).id;
      await expect(
        withOutboxTransaction(database.db, async () => {
          inner = (await dispatch.publisher.publishEvent(event(6))).id;
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
    });
    expect((await dispatch.store.get(outer))?.status).toBe('pending');
    expect(await dispatch.store.get(inner)).toBeNull();
  });
});
