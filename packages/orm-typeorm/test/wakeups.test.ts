import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutbox, sql, type TestOutbox } from './databases.js';

// The wake-up rules every SQL store shares run in sql-suites.test.ts; these are the TypeORM ways to
// commit, and the connections TypeORM's pg driver gives the store.
describe('LISTEN/NOTIFY wake-ups on postgresql', () => {
  let outbox: TestOutbox;
  let dataSource: DataSource;
  let store: OutboxStore;

  beforeAll(async () => {
    outbox = await openOutbox('postgresql', 'wake');
    ({ dataSource, store } = outbox);
  });

  afterAll(() => outbox.close());

  const waitFor = async (check: () => boolean, ms: number) => {
    for (let waited = 0; !check() && waited < ms; waited += 10) await sleep(10);
  };

  it('wakes once a query runner commits, never for its rollback', async () => {
    let woken = 0;
    const unsubscribe = await store.subscribe(() => woken++);
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await store.insert([makeNewEvent()], { transaction: runner, onCommit: () => {} });
      await sleep(300);
      expect(woken).toBe(0);
      await runner.commitTransaction();
      await waitFor(() => woken > 0, 2000);
      expect(woken).toBe(1);

      await runner.startTransaction();
      await store.insert([makeNewEvent()], { transaction: runner.manager, onCommit: () => {} });
      await runner.rollbackTransaction();
      await sleep(300);
      expect(woken).toBe(1);
    } finally {
      await runner.release();
      await unsubscribe();
    }
  });

  it('listens on a connection of its own, not one of the pool', async () => {
    const unsubscribe = await store.subscribe(() => {});
    try {
      const [row] = await sql(
        dataSource,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN "dispatch_${outbox.tableName}"%'`,
      );
      expect(row?.n).toBe(1);
      const pool = (dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } })
        .master;
      expect(pool.totalCount).toBe(pool.idleCount);
    } finally {
      await unsubscribe();
    }
  });
});
