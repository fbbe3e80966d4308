import { makeNewEvent } from '@dispatch/core/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxEntity } from '../src/index.js';
import { describeOn, dropTableOn, openDataSource, openOutbox, sql, uniqueTable } from './databases.js';
import { orderEntity } from './harness.js';

afterAll(() => removeSqliteFiles());

// TypeORM's synchronize (`synchronize: true`, `schema:sync`) and `migration:generate` change every
// table of the DataSource's metadata to match it: the outbox table must come out of them as
// `dispatch migrate` made it, whether the application registers createOutboxEntity() or not.
describe.each(SQL_DATABASES)('synchronize on %s', (db) => {
  for (const registered of [true, false]) {
    it(`leaves the outbox table and its rows alone, ${registered ? 'with' : 'without'} createOutboxEntity() registered`, async () => {
      const outbox = await openOutbox(db, 'sync');
      const orders = orderEntity(uniqueTable('orders'));
      const entities = [orders, ...(registered ? [createOutboxEntity({ tableName: outbox.tableName })] : [])];
      const file = db === 'sqlite' ? String(outbox.dataSource.options.database) : null;
      let application: Awaited<ReturnType<typeof openDataSource>> | undefined;
      try {
        const event = makeNewEvent({ key: 'k' });
        await outbox.store.insert([event], { transaction: undefined, onCommit: () => {} });
        const before = await describeOn(outbox.dataSource, db, outbox.tableName);

        // What schema:log and migration:generate would write: nothing about the outbox.
        application = await openDataSource(db, { file, extra: { entities } });
        const pending = await application.driver.createSchemaBuilder().log();
        const statements = pending.upQueries.map((query) => query.query);
        expect(statements.some((statement) => statement.includes(orders.options.tableName as string))).toBe(
          true,
        );
        expect(statements.filter((statement) => statement.includes(outbox.tableName))).toEqual([]);
        // synchronize: true at start, then schema:sync once more.
        await application.destroy();
        application = await openDataSource(db, { file, extra: { entities, synchronize: true } });
        await application.synchronize();

        expect(await describeOn(outbox.dataSource, db, outbox.tableName)).toEqual(before);
        expect((await outbox.store.get(event.id))?.status).toBe('pending');
        if (db === 'mariadb') {
          const [row] = await sql(application, `SELECT COUNT(*) AS n FROM \`${outbox.tableName}_key_locks\``);
          expect(Number(row?.n)).toBe(4096);
        }
        const [claimed] = await outbox.store.claim({ owner: 'w', limit: 1, leaseMs: 10_000 });
        expect(claimed?.id).toBe(event.id);
        await dropTableOn(application, orders.options.tableName as string);
      } finally {
        await application?.destroy();
        await outbox.close();
      }
    });
  }
});
