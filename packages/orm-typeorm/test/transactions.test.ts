import type { Dispatch } from '@dispatch/core';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import type { DataSource, EntityManager, EntitySchema } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataSource, quote, sql, uniqueTable } from './databases.js';
import { event, type Order, type OrdersSetup, openOrdersSetup } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (db) => {
  const outbox = uniqueTable('tx');
  const created: string[] = [];
  let setup: OrdersSetup;
  let orders: EntitySchema<Order>;
  let dataSource: DataSource;
  let dispatch: Dispatch;
  let strict: Dispatch;

  beforeAll(async () => {
    setup = await openOrdersSetup(db, { outbox, created });
    ({ orders, dataSource, dispatch, strict } = setup);
  });

  afterAll(() => setup.close());

  const customers = (customer: string) => dataSource.getRepository(orders).countBy({ customer });
  const outboxRows = async () => {
    return Number((await sql(dataSource, `SELECT COUNT(*) AS n FROM ${quote(db, outbox)}`))[0]?.n);
  };
  const place = (manager: EntityManager, customer: string) =>
    manager.getRepository(orders).insert({ customer });

  /** Each way of writing an order and its event; `report` learns the event id before any failure. */
  const ways: Record<
    string,
    (customer: string, fail: boolean, report: (id: string) => void) => Promise<void>
  > = {
    'the manager of dataSource.transaction()': (customer, fail, report) =>
      dataSource.transaction(async (manager) => {
        await place(manager, customer);
        const written = await dispatch.publisher.publishEvent(event(customer), { transaction: manager });
        report(written.id);
        expect(created).not.toContain(written.id);
        if (fail) throw new Error('refused');
      }),
    'a query runner (startTransaction / commitTransaction)': async (customer, fail, report) => {
      const runner = dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await place(runner.manager, customer);
        const written = await dispatch.publisher.publishEvent(event(customer), { transaction: runner });
        report(written.id);
        expect(created).not.toContain(written.id);
        if (fail) throw new Error('refused');
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      } finally {
        await runner.release();
      }
    },
    "a query runner's manager": async (customer, fail, report) => {
      const runner = dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await place(runner.manager, customer);
        const written = await dispatch.publisher.publishEvent(event(customer), {
          transaction: runner.manager,
        });
        report(written.id);
        if (fail) throw new Error('refused');
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      } finally {
        await runner.release();
      }
    },
  };

  for (const [way, run] of Object.entries(ways)) {
    it(`commits the event with the business row through ${way}, hooks after commit`, async () => {
      const customer = `c-${Math.random()}`;
      let id = '';
      await run(customer, false, (written) => {
        id = written;
      });
      expect(await customers(customer)).toBe(1);
      expect((await dispatch.store.get(id))?.status).toBe('pending');
      expect(created).toContain(id);
    });

    it(`rolls the event back with the business row through ${way}, no hooks`, async () => {
      const customer = `c-${Math.random()}`;
      let id = '';
      await expect(
        run(customer, true, (written) => {
          id = written;
        }),
      ).rejects.toThrow('refused');
      expect(id).not.toBe('');
      expect(await customers(customer)).toBe(0);
      expect(await dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
    });
  }

  it('runs the hooks of a nested manager.transaction() only when the outer one commits', async () => {
    let inner = '';
    let seenAtRelease: string[] = [];
    await dataSource.transaction(async (outer) => {
      await outer.transaction(async (nested) => {
        inner = (await dispatch.publisher.publishEvent(event('nested'), { transaction: nested })).id;
      });
      seenAtRelease = created.filter((id) => id === inner);
    });
    expect(seenAtRelease).toEqual([]);
    expect(created).toContain(inner);
    expect((await dispatch.store.get(inner))?.status).toBe('pending');
  });

  it('leaves nothing when the outer transaction rolls back after a nested one was released', async () => {
    let inner = '';
    await expect(
      dataSource.transaction(async (outer) => {
        await outer.transaction(async (nested) => {
          inner = (await dispatch.publisher.publishEvent(event('nested'), { transaction: nested })).id;
        });
        throw new Error('outer refused');
      }),
    ).rejects.toThrow('outer refused');
    expect(await dispatch.store.get(inner)).toBeNull();
    expect(created).not.toContain(inner);
  });

  it('drops the events of a rolled-back nested transaction, also those written through the outer manager', async () => {
    let kept = '';
    const dropped: string[] = [];
    const customer = `c-${Math.random()}`;
    await dataSource.transaction(async (outer) => {
      kept = (await dispatch.publisher.publishEvent(event('kept'), { transaction: outer })).id;
      await expect(
        outer.transaction(async (nested) => {
          await place(nested, customer);
          dropped.push((await dispatch.publisher.publishEvent(event('dropped'), { transaction: nested })).id);
          // The outer manager runs on the same query runner, inside the savepoint too.
          dropped.push((await dispatch.publisher.publishEvent(event('dropped'), { transaction: outer })).id);
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
      // The transaction goes on after the savepoint's rollback (on PostgreSQL too).
      await place(outer, customer);
    });
    expect((await dispatch.store.get(kept))?.status).toBe('pending');
    expect(created).toContain(kept);
    expect(await customers(customer)).toBe(1);
    for (const id of dropped) {
      expect(await dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
    }
  });

  it('follows the savepoints of a query runner started twice', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const kept = (await dispatch.publisher.publishEvent(event('kept'), { transaction: runner })).id;
      await runner.startTransaction();
      const rolledBack = (await dispatch.publisher.publishEvent(event('sp'), { transaction: runner })).id;
      await runner.rollbackTransaction();
      await runner.startTransaction();
      const released = (await dispatch.publisher.publishEvent(event('sp'), { transaction: runner })).id;
      await runner.commitTransaction();
      expect(created).not.toContain(released);
      await runner.commitTransaction();
      expect(created).toEqual(expect.arrayContaining([kept, released]));
      expect(created).not.toContain(rolledBack);
      expect(await dispatch.store.get(rolledBack)).toBeNull();
      expect((await dispatch.store.get(released))?.status).toBe('pending');

      await runner.startTransaction();
      const gone = (await dispatch.publisher.publishEvent(event('gone'), { transaction: runner })).id;
      await runner.rollbackTransaction();
      expect(await dispatch.store.get(gone)).toBeNull();
      expect(created).not.toContain(gone);
    } finally {
      await runner.release();
    }
  });

  it('takes an isolation level given to dataSource.transaction()', async () => {
    const written = await dataSource.transaction('SERIALIZABLE', async (manager) => {
      if (db === 'postgresql') {
        expect(await manager.query('SHOW transaction_isolation')).toEqual([
          { transaction_isolation: 'serializable' },
        ]);
      }
      return dispatch.publisher.publishEvent(event('isolated'), { transaction: manager });
    });
    expect(created).toContain(written.id);
  });

  it('refuses a manager or query runner that is not in a transaction, with or without requireTransaction; nothing is written', async () => {
    const before = await outboxRows();
    const idle = dataSource.createQueryRunner();
    let ended: EntityManager | undefined;
    await dataSource.transaction(async (manager) => {
      ended = manager;
    });
    try {
      for (const target of [dispatch, strict]) {
        await expect(
          target.publisher.publishEvent(event('loose'), { transaction: dataSource.manager }),
        ).rejects.toMatchObject({
          code: 'DISPATCH_INVALID_ARGUMENT',
          message: expect.stringMatching(
            /not in a transaction \(it is not bound to a query runner.*Nothing was written/s,
          ),
        });
        await expect(target.publisher.publishEvent(event('loose'), { transaction: idle })).rejects.toThrow(
          /query runner passed as \{ transaction \} is not in a transaction/,
        );
        await expect(target.publisher.publishEvent(event('late'), { transaction: ended })).rejects.toThrow(
          /manager passed as \{ transaction \} is not in a transaction/,
        );
      }
    } finally {
      await idle.release();
    }
    expect(await outboxRows()).toBe(before);
  });

  it('refuses the DataSource itself, a plain object, and a manager of another DataSource', async () => {
    const before = await outboxRows();
    await expect(
      dispatch.publisher.publishEvent(event('x'), { transaction: dataSource }),
    ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT', message: /the DataSource itself/ });
    await expect(
      dispatch.publisher.publishEvent(event('x'), { transaction: { query() {} } }),
    ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT', message: /got a plain object/ });
    const other = await openDataSource(db);
    try {
      await expect(
        other.transaction((manager) =>
          dispatch.publisher.publishEvent(event('other'), { transaction: manager }),
        ),
      ).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringContaining('another DataSource'),
      });
    } finally {
      await other.destroy();
    }
    expect(await outboxRows()).toBe(before);
  });

  it('writes on its own outside any transaction; requireTransaction refuses that', async () => {
    const alone = await dispatch.publisher.publishEvent(event('alone'));
    expect(created).toContain(alone.id);
    expect((await dispatch.store.get(alone.id))?.status).toBe('pending');
    await expect(strict.publisher.publishEvent(event('strict'))).rejects.toMatchObject({
      code: 'DISPATCH_TRANSACTION_REQUIRED',
      message: expect.stringContaining('dataSource.transaction(async (manager)'),
    });
  });

  // PostgreSQL and MariaDB: a transaction holds a connection of its own, and without
  // { transaction } the store cannot know it is meant; SQLite has one connection, whose open
  // transaction every statement in it joins (see sqlite-turns.test.ts).
  it.skipIf(db === 'sqlite')(
    'inside dataSource.transaction() without { transaction }, writes on its own (requireTransaction refuses)',
    async () => {
      let id = '';
      await expect(
        dataSource.transaction(async () => {
          id = (await dispatch.publisher.publishEvent(event('beside'))).id;
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect((await dispatch.store.get(id))?.status).toBe('pending');
      await expect(
        dataSource.transaction(() => strict.publisher.publishEvent(event('beside'))),
      ).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    },
  );

  // A deferred unique constraint is checked at COMMIT: the commit itself fails.
  it.skipIf(db !== 'postgresql')('runs no hooks when the COMMIT itself fails', async () => {
    const table = uniqueTable('deferred');
    await sql(dataSource, `CREATE TABLE "${table}" (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
    try {
      let id = '';
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.query(`INSERT INTO "${table}" (n) VALUES (1), (1)`);
          id = (await dispatch.publisher.publishEvent(event('doomed'), { transaction: manager })).id;
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
      // The next transaction on a fresh query runner is tracked as usual.
      const next = await dataSource.transaction((manager) =>
        dispatch.publisher.publishEvent(event('next'), { transaction: manager }),
      );
      expect(created).toContain(next.id);
    } finally {
      await sql(dataSource, `DROP TABLE IF EXISTS "${table}"`);
    }
  });
});
