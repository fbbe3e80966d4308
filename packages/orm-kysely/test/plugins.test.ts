import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { CamelCasePlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { kyselyStore, withOutboxTransaction } from '../src/index.js';
import { dropOutbox, openDb, uniqueTable } from './databases.js';

describe.each(SQL_DATABASES)('a db with plugins on %s', (kind) => {
  it('reads and writes the outbox unchanged under a CamelCasePlugin', async () => {
    const open = await openDb(kind, { plugins: [new CamelCasePlugin()] });
    const tableName = uniqueTable('camel');
    const store = await createStore(
      kyselyStore,
      { db: open.db, tableName, pgPool: open.pgPool },
      { logger: silentLogger },
    );
    try {
      await store.migrate();
      const event = makeNewEvent({ key: 'order-1', subject: 'order/1', data: { lineItems: 2 } });
      const waiting = makeNewEvent();
      await withOutboxTransaction(open.db, (trx) =>
        store.insert([event, waiting], { transaction: trx, onCommit: () => {} }),
      );
      const [claimed] = await store.claim({ owner: 'w1', limit: 1, leaseMs: 10_000 });
      expect(claimed).toMatchObject({
        id: event.id,
        eventType: event.eventType,
        key: 'order-1',
        subject: 'order/1',
        data: { lineItems: 2 },
        status: 'processing',
        attempts: 1,
      });
      expect(await store.record('w1', [{ id: event.id, status: 'published' }])).toEqual({
        applied: [event.id],
        lost: [],
      });
      const page = await store.list({ filter: { status: ['published'] }, limit: 10 });
      expect(page.events.map((row) => row.id)).toEqual([event.id]);
      expect((await store.stats()).counts).toMatchObject({ published: 1, pending: 1 });
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await open.close();
    }
  });
});
