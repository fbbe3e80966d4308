import type { Dispatch } from '@dispatch/core';
import { type BusinessHandles, businessTransactionSuite } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { type EntityManager, type MikroORM, Transactional } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropOutbox, openOrm, uniqueTable } from './databases.js';
import { dispatchFor, type Order, orderEntity } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (db) => {
  const outbox = uniqueTable('tx');
  const orders = orderEntity(uniqueTable('orders'));
  let orm: MikroORM;
  let dispatch: Dispatch;
  let strict: Dispatch;
  const created: string[] = [];

  beforeAll(async () => {
    orm = await openOrm(db, { entities: [orders] });
    await orm.schema.createSchema();
    dispatch = await dispatchFor(orm, outbox);
    strict = await dispatchFor(orm, outbox, { requireTransaction: true });
    dispatch.hooks.on('created', (event) => {
      created.push(event.id);
    });
  });

  afterAll(async () => {
    await dispatch.close();
    await strict.close();
    await dropOutbox(orm, db, outbox);
    await orm.schema.dropSchema();
    await orm.close(true);
    removeSqliteFiles();
  });

  const customers = async (name: string) => (await orm.em.fork().find(orders, { customer: name })).length;
  const event = (customer: string) => ({ eventType: 'order.created', source: 'tests', data: { customer } });

  class OrderService {
    constructor(readonly em: EntityManager) {}

    @Transactional()
    async place(work: (handles: BusinessHandles) => Promise<void>): Promise<void> {
      await work({ row: this.em });
    }
  }

  businessTransactionSuite({
    dispatch: () => dispatch,
    writeRow: async (em, customer) => {
      (em as EntityManager).create(orders, { customer } as Order);
      await (em as EntityManager).flush();
    },
    countRows: customers,
    ways: {
      'an explicit em': (work) => orm.em.fork().transactional((em) => work({ row: em, transaction: em })),
      'the ambient em.transactional() context': (work) => orm.em.transactional((em) => work({ row: em })),
      '@Transactional()': (work) => new OrderService(orm.em).place(work),
    },
  });

  it('writes and commits on its own outside any transaction', async () => {
    const written = await dispatch.publisher.publishEvent(event('alone'));
    expect(created).toContain(written.id);
    expect((await dispatch.store.get(written.id))?.status).toBe('pending');
  });

  it('follows em.begin() / em.commit() / em.rollback() too', async () => {
    const em = orm.em.fork();
    await em.begin();
    const kept = await dispatch.publisher.publishEvent(event('manual'), { transaction: em });
    expect(created).not.toContain(kept.id);
    await em.commit();
    expect(created).toContain(kept.id);
    await em.begin();
    const dropped = await dispatch.publisher.publishEvent(event('manual'), { transaction: em });
    await em.rollback();
    expect(await dispatch.store.get(dropped.id)).toBeNull();
    expect(created).not.toContain(dropped.id);
  });

  it('treats an em outside any transaction as no transaction', async () => {
    const em = orm.em.fork();
    const written = await dispatch.publisher.publishEvent(event('loose'), { transaction: em });
    expect(created).toContain(written.id);
    await expect(strict.publisher.publishEvent(event('loose'), { transaction: em })).rejects.toMatchObject({
      code: 'DISPATCH_TRANSACTION_REQUIRED',
    });
  });
});
