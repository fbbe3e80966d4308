import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expectPendingModelRow } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  drizzleStore,
  outboxKeyLocksTableMysql,
  outboxTableMysql,
  outboxTablePg,
  outboxTableSqlite,
  withOutboxTransaction,
} from '../src/index.js';
import { type DatabaseName, openDatabase, openOutbox, qualifiedOutbox } from './databases.js';

afterAll(() => removeSqliteFiles());

const tableFor = (name: DatabaseName, tableName: string) =>
  name === 'postgresql'
    ? outboxTablePg(tableName)
    : name === 'mariadb'
      ? outboxTableMysql(tableName)
      : outboxTableSqlite(tableName);

describe.each(SQL_DATABASES)('schema on %s', (name) => {
  it('is created by migrate(), which can run again without losing anything', async () => {
    const outbox = await openOutbox(name, 'mig');
    try {
      const event = makeNewEvent();
      await outbox.store.insert([event], { transaction: undefined, onCommit: () => {} });
      await outbox.store.migrate();
      await outbox.store.migrate();
      expect((await outbox.store.get(event.id))?.status).toBe('pending');
      const [row] = await outbox.database.sql(`SELECT COUNT(*) AS n FROM ${outbox.tableName}`);
      expect(Number(row?.n)).toBe(1);
    } finally {
      await outbox.close();
    }
  });

  it('is readable through the exported Drizzle table, with typed columns', async () => {
    const outbox = await openOutbox(name, 'read');
    try {
      const event = makeNewEvent({ key: 'k1', data: { total: 3 } });
      await outbox.store.insert([event], { transaction: undefined, onCommit: () => {} });
      const table = tableFor(name, outbox.tableName);
      // biome-ignore lint/suspicious/noExplicitAny: one query over the three dialects' tables.
      const db = outbox.database.db as any;
      const [row] = await db.select().from(table).where(eq(table.id, event.id));
      expectPendingModelRow(row, event);
    } finally {
      await outbox.close();
    }
  });
});

describe.each(['postgresql', 'mariadb'] as const)('a schema-qualified table on %s', (name) => {
  it('is created in that schema, works end to end, and the exported table points at it', async () => {
    const database = await openDatabase(name);
    const qualified = qualifiedOutbox(database);
    const { tableName } = qualified;
    const store = await createStore(drizzleStore, { db: database.db, tableName }, { logger: silentLogger });
    try {
      await store.migrate();
      await store.migrate();
      const event = makeNewEvent({ key: 'k' });
      await withOutboxTransaction(database.db, (tx) =>
        store.insert([event], { transaction: tx, onCommit: () => {} }),
      );
      const [claimed] = await store.claim({ owner: 'w1', limit: 1, leaseMs: 10_000 });
      expect(claimed?.id).toBe(event.id);
      expect(await store.record('w1', [{ id: event.id, status: 'published' }])).toEqual({
        applied: [event.id],
        lost: [],
      });
      const table = tableFor(name, tableName);
      // biome-ignore lint/suspicious/noExplicitAny: one query over the two dialects' tables.
      const [row] = await (database.db as any).select().from(table).where(eq(table.id, event.id));
      expect(row?.status).toBe('published');
      if (name === 'mariadb') {
        const locks = outboxKeyLocksTableMysql(tableName);
        expect(await database.db.$count(locks)).toBe(4096);
      }
    } finally {
      await store.close();
      await qualified.drop();
      await database.close();
    }
  });
});

describe('the exported tables', () => {
  it('refuse a table name the store would refuse, saying what is expected', () => {
    expect(() => outboxTablePg('drop table;')).toThrow(
      /outboxTablePg\(tableName\): expected the store's tableName/,
    );
    expect(() => outboxTableMysql('a.b.c')).toThrow(/optionally schema.table/);
    expect(() => outboxKeyLocksTableMysql(42 as never)).toThrow(/got 42/);
    expect(() => outboxTableSqlite('main.outbox')).toThrow(/a plain name on SQLite/);
    expect(() => outboxTablePg('x'.repeat(51))).toThrow(TypeError);
    expect(outboxTablePg('dispatch.outbox_events')).toBeDefined();
  });
});
