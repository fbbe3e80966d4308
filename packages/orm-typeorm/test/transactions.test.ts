import { type BusinessTransactionWay, businessTransactionSuite } from '@dispatch/store-sql/testing';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import type { EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { openDataSource, quote, sql, uniqueTable } from './databases.js';
import { event, ordersSetupForTests } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (db) => {
  const outbox = uniqueTable('tx');
  const created: string[] = [];
  const setup = ordersSetupForTests(db, { outbox, created });

  const customers = (customer: string) => setup.dataSource.getRepository(setup.orders).countBy({ customer });
  const outboxRows = async () => {
    return Number((await sql(setup.dataSource, `SELECT COUNT(*) AS n FROM ${quote(db, outbox)}`))[0]?.n);
  };
  const place = (manager: EntityManager, customer: string) =>
    manager.getRepository(setup.orders).insert({ customer });

  /** A query runner in a transaction: `work` gets it, or its manager with `manager`. */
  const queryRunner =
    (manager: boolean): BusinessTransactionWay =>
    async (work) => {
      const runner = setup.dataSource.createQueryRunner();
      await runner.startTransaction();
      try {
        await work({ row: runner.manager, transaction: manager ? runner.manager : runner });
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      } finally {
        await runner.release();
      }
    };

  businessTransactionSuite({
    dispatch: () => setup.dispatch,
    writeRow: (manager, customer) => place(manager as EntityManager, customer),
    countRows: customers,
    ways: {
      'the manager of dataSource.transaction()': (work) =>
        setup.dataSource.transaction((manager) => work({ row: manager, transaction: manager })),
      'a query runner (startTransaction / commitTransaction)': queryRunner(false),
      "a query runner's manager": queryRunner(true),
    },
    nesting: {
      transaction: (work) => setup.dataSource.transaction(work),
      nest: { 'manager.transaction()': (outer, work) => (outer as EntityManager).transaction(work) },
    },
  });

  it('drops the events of a rolled-back nested transaction, also those written through the outer manager', async () => {
    let kept = '';
    const dropped: string[] = [];
    const customer = `c-${Math.random()}`;
    await setup.dataSource.transaction(async (outer) => {
      kept = (await setup.dispatch.publisher.publishEvent(event('kept'), { transaction: outer })).id;
      await expect(
        outer.transaction(async (nested) => {
          await place(nested, customer);
          dropped.push(
            (await setup.dispatch.publisher.publishEvent(event('dropped'), { transaction: nested })).id,
          );
          // The outer manager runs on the same query runner, inside the savepoint too.
          dropped.push(
            (await setup.dispatch.publisher.publishEvent(event('dropped'), { transaction: outer })).id,
          );
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
      // The transaction goes on after the savepoint's rollback (on PostgreSQL too).
      await place(outer, customer);
    });
    expect((await setup.dispatch.store.get(kept))?.status).toBe('pending');
    expect(created).toContain(kept);
    expect(await customers(customer)).toBe(1);
    for (const id of dropped) {
      expect(await setup.dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
    }
  });

  it('follows the savepoints of a query runner started twice', async () => {
    const runner = setup.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const kept = (await setup.dispatch.publisher.publishEvent(event('kept'), { transaction: runner })).id;
      await runner.startTransaction();
      const rolledBack = (await setup.dispatch.publisher.publishEvent(event('sp'), { transaction: runner }))
        .id;
      await runner.rollbackTransaction();
      await runner.startTransaction();
      const released = (await setup.dispatch.publisher.publishEvent(event('sp'), { transaction: runner })).id;
      await runner.commitTransaction();
      expect(created).not.toContain(released);
      await runner.commitTransaction();
      expect(created).toEqual(expect.arrayContaining([kept, released]));
      expect(created).not.toContain(rolledBack);
      expect(await setup.dispatch.store.get(rolledBack)).toBeNull();
      expect((await setup.dispatch.store.get(released))?.status).toBe('pending');

      await runner.startTransaction();
      const gone = (await setup.dispatch.publisher.publishEvent(event('gone'), { transaction: runner })).id;
      await runner.rollbackTransaction();
      expect(await setup.dispatch.store.get(gone)).toBeNull();
      expect(created).not.toContain(gone);
    } finally {
      await runner.release();
    }
  });

  it('takes an isolation level given to dataSource.transaction()', async () => {
    const written = await setup.dataSource.transaction('SERIALIZABLE', async (manager) => {
      if (db === 'postgresql') {
        expect(await manager.query('SHOW transaction_isolation')).toEqual([
          { transaction_isolation: 'serializable' },
        ]);
      }
      return setup.dispatch.publisher.publishEvent(event('isolated'), { transaction: manager });
    });
    expect(created).toContain(written.id);
  });

  it('refuses a manager or query runner that is not in a transaction, with or without requireTransaction; nothing is written', async () => {
    const before = await outboxRows();
    const idle = setup.dataSource.createQueryRunner();
    let ended: EntityManager | undefined;
    await setup.dataSource.transaction(async (manager) => {
      ended = manager;
    });
    try {
      for (const target of [setup.dispatch, setup.strict]) {
        await expect(
          target.publisher.publishEvent(event('loose'), { transaction: setup.dataSource.manager }),
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
      setup.dispatch.publisher.publishEvent(event('x'), { transaction: setup.dataSource }),
    ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT', message: /the DataSource itself/ });
    await expect(
      setup.dispatch.publisher.publishEvent(event('x'), { transaction: { query() {} } }),
    ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT', message: /got a plain object/ });
    const other = await openDataSource(db);
    try {
      await expect(
        other.transaction((manager) =>
          setup.dispatch.publisher.publishEvent(event('other'), { transaction: manager }),
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
    const alone = await setup.dispatch.publisher.publishEvent(event('alone'));
    expect(created).toContain(alone.id);
    expect((await setup.dispatch.store.get(alone.id))?.status).toBe('pending');
    await expect(setup.strict.publisher.publishEvent(event('strict'))).rejects.toMatchObject({
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
        setup.dataSource.transaction(async () => {
          id = (await setup.dispatch.publisher.publishEvent(event('beside'))).id;
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect((await setup.dispatch.store.get(id))?.status).toBe('pending');
      await expect(
        setup.dataSource.transaction(() => setup.strict.publisher.publishEvent(event('beside'))),
      ).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    },
  );

  // A deferred unique constraint is checked at COMMIT: the commit itself fails.
  it.skipIf(db !== 'postgresql')('runs no hooks when the COMMIT itself fails', async () => {
    const table = uniqueTable('deferred');
    await sql(setup.dataSource, `CREATE TABLE "${table}" (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)`);
    try {
      let id = '';
      await expect(
        setup.dataSource.transaction(async (manager) => {
          await manager.query(`INSERT INTO "${table}" (n) VALUES (1), (1)`);
          id = (await setup.dispatch.publisher.publishEvent(event('doomed'), { transaction: manager })).id;
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await setup.dispatch.store.get(id)).toBeNull();
      expect(created).not.toContain(id);
      // The next transaction on a fresh query runner is tracked as usual.
      const next = await setup.dataSource.transaction((manager) =>
        setup.dispatch.publisher.publishEvent(event('next'), { transaction: manager }),
      );
      expect(created).toContain(next.id);
    } finally {
      await sql(setup.dataSource, `DROP TABLE IF EXISTS "${table}"`);
    }
  });
});
