import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { expectPendingModelRow } from '@dispatch/store-sql/testing';
import { SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxEntity } from '../src/index.js';
import { openOutbox, type TestOutbox, uniqueTable } from './databases.js';

describe.each(SQL_DATABASES)('the outbox entity on %s', (db) => {
  const tableName = uniqueTable('entity');
  const entity = createOutboxEntity({ tableName });
  let outbox: TestOutbox;
  let orm: MikroORM;
  let store: OutboxStore;

  beforeAll(async () => {
    outbox = await openOutbox(db, 'entity', { entities: [entity], tableName });
    ({ orm, store } = outbox);
  });

  afterAll(() => outbox.close());

  it('reads what the store wrote, through your own em', async () => {
    const event = makeNewEvent({ key: 'k1', data: { total: 3 } });
    await store.insert([event], { transaction: undefined, onCommit: () => {} });
    const row = await orm.em.fork().findOneOrFail(entity, { id: event.id });
    expectPendingModelRow({ ...row }, event);
    expect(await orm.em.fork().count(entity, { status: 'pending' })).toBe(1);
  });
});
