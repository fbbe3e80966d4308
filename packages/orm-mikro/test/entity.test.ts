import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxEntity, mikroOrmStore } from '../src/index.js';
import { DATABASES, dropOutbox, openOrm, removeTempFiles, uniqueTable } from './databases.js';

describe.each(DATABASES)('the outbox entity on %s', (db) => {
  const tableName = uniqueTable('entity');
  const entity = createOutboxEntity({ tableName });
  let orm: MikroORM;
  let store: OutboxStore;

  beforeAll(async () => {
    orm = await openOrm(db, { entities: [entity] });
    store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await dropOutbox(orm, db, tableName);
    await orm.close(true);
    removeTempFiles();
  });

  it('reads what the store wrote, through your own em', async () => {
    const event = makeNewEvent({ key: 'k1', data: { total: 3 } });
    await store.insert([event], { transaction: undefined, onCommit: () => {} });
    const row = await orm.em.fork().findOneOrFail(entity, { id: event.id });
    expect(row).toMatchObject({
      id: event.id,
      eventType: event.eventType,
      orderingKey: 'k1',
      status: 'pending',
      attempts: 0,
      createdAt: event.createdAt.getTime(),
    });
    expect(JSON.parse(row.data ?? 'null')).toEqual({ total: 3 });
    expect(typeof row.seq).toBe('number');
    expect(await orm.em.fork().count(entity, { status: 'pending' })).toBe(1);
  });
});
