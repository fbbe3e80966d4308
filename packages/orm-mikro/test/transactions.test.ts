import type { Dispatch } from '@dispatch/core';
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
    async place(customer: string, fail: boolean): Promise<string> {
      this.em.create(orders, { customer } as Order);
      await this.em.flush();
      const written = await dispatch.publisher.publishEvent(event(customer));
      if (fail) throw new Error('refused');
      return written.id;
    }
  }

  const ways: Record<string, (customer: string, fail: boolean) => Promise<string>> = {
    'an explicit em': (customer, fail) =>
      orm.em.fork().transactional(async (em) => {
        em.create(orders, { customer } as Order);
        await em.flush();
        const written = await dispatch.publisher.publishEvent(event(customer), { transaction: em });
        if (fail) throw new Error('refused');
        return written.id;
      }),
    'the ambient em.transactional() context': (customer, fail) =>
      orm.em.transactional(async (em) => {
        em.create(orders, { customer } as Order);
        await em.flush();
        const written = await dispatch.publisher.publishEvent(event(customer));
        if (fail) throw new Error('refused');
        return written.id;
      }),
    '@Transactional()': (customer, fail) => new OrderService(orm.em).place(customer, fail),
  };

  for (const [way, place] of Object.entries(ways)) {
    it(`commits the event with the business row through ${way}`, async () => {
      const customer = `c-${Math.random()}`;
      const id = await place(customer, false);
      expect(await customers(customer)).toBe(1);
      expect((await dispatch.store.get(id))?.status).toBe('pending');
      expect(created).toContain(id);
    });

    it(`rolls the event back with the business row through ${way}`, async () => {
      const customer = `c-${Math.random()}`;
      let id: string | undefined;
      const spy = dispatch.publisher.publishEvent;
      dispatch.publisher.publishEvent = async (input, options) => {
        const written = await spy(input, options);
        id = written.id;
        return written;
      };
      try {
        await expect(place(customer, true)).rejects.toThrow('refused');
      } finally {
        dispatch.publisher.publishEvent = spy;
      }
      expect(id).toBeDefined();
      expect(await customers(customer)).toBe(0);
      expect(await dispatch.store.get(id!)).toBeNull();
      expect(created).not.toContain(id);
    });
  }

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
