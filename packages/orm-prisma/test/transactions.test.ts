import type { Dispatch } from '@dispatch/core';
import { sleep } from '@dispatch/core/testing';
import { businessTransactionSuite } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES } from '@dispatch/test-services/sql-databases';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOutboxTransaction } from '../src/index.js';
import { dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';
import { createOrders, dispatchFor, dropOrders, type Tx } from './harness.js';

describe.each(SQL_DATABASES)('transactions on %s', (kind) => {
  const outbox = uniqueTable('tx');
  let open: OpenDb;
  let other: OpenDb;
  let dispatch: Dispatch;
  let strict: Dispatch;
  const created: string[] = [];

  beforeAll(async () => {
    open = await openDb(kind);
    other = await openDb(kind);
    await createOrders(open);
    dispatch = await dispatchFor(open, outbox);
    strict = await dispatchFor(open, outbox, { requireTransaction: true });
    dispatch.hooks.on('created', (event) => {
      created.push(event.id);
    });
  });

  afterAll(async () => {
    await dispatch.close();
    await strict.close();
    await dropOutbox(open, outbox);
    await dropOrders(open);
    await other.close();
    await open.close();
    removeSqliteFiles();
  });

  const customers = (customer: string) => open.prisma.order.count({ where: { customer } });
  const event = (customer: string) => ({ eventType: 'order.created', source: 'tests', data: { customer } });
  const outboxRows = async () => Number((await open.exec(`SELECT COUNT(*) AS n FROM ${outbox}`))[0]?.n);
  const publish = async (transaction: unknown, customer: string) =>
    (await dispatch.publisher.publishEvent(event(customer), { transaction })).id;

  businessTransactionSuite({
    dispatch: () => dispatch,
    writeRow: (tx, customer) => (tx as Tx).order.create({ data: { customer } }),
    countRows: customers,
    ways: {
      'an explicit tx': (work) =>
        withOutboxTransaction(open.prisma, (tx) => work({ row: tx, transaction: tx })),
      'the ambient transaction': (work) => withOutboxTransaction(open.prisma, (tx) => work({ row: tx })),
    },
    nesting: {
      transaction: (work) => withOutboxTransaction(open.prisma, work),
      nest: {
        withOutboxTransaction: (outer, work) => withOutboxTransaction(outer as Tx, work),
        "Prisma's tx.$transaction": (outer, work) => (outer as Tx).$transaction(work),
      },
    },
    ambient: true,
  });

  it('drops the events and hooks of a rolled-back nested transaction, whichever handle wrote them', async () => {
    const ids: Record<string, string> = {};
    await withOutboxTransaction(open.prisma, async (tx) => {
      ids.kept = await publish(tx, 'kept');
      await expect(
        tx.$transaction(async (inner) => {
          ids.inner = await publish(inner, 'inner');
          // Without { transaction } the innermost open nested transaction is the ambient one.
          ids.ambient = await publish(undefined, 'ambient');
          // The outer tx runs on the same connection, inside the savepoint too.
          ids.outer = await publish(tx, 'outer handle');
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
      ids.after = await publish(tx, 'after');
    });
    expect((await dispatch.store.get(ids.kept as string))?.status).toBe('pending');
    expect((await dispatch.store.get(ids.after as string))?.status).toBe('pending');
    for (const dropped of [ids.inner, ids.ambient, ids.outer] as string[]) {
      expect(await dispatch.store.get(dropped)).toBeNull();
      expect(created).not.toContain(dropped);
    }
    expect(created).toEqual(expect.arrayContaining([ids.kept, ids.after]));
  });

  it('rolls back, and runs no hook, when Prisma’s transaction timeout ends it', async () => {
    let id = '';
    await expect(
      withOutboxTransaction(
        open.prisma,
        async (tx) => {
          id = await publish(tx, 'slow');
          await sleep(700);
        },
        { timeout: 200 },
      ),
    ).rejects.toThrow(/timeout|expired|closed/i);
    expect(id).not.toBe('');
    expect(await dispatch.store.get(id)).toBeNull();
    expect(created).not.toContain(id);
  });

  it('writes and commits on its own outside any transaction, and with the client itself', async () => {
    const alone = await publish(undefined, 'alone');
    const client = await publish(open.prisma, 'client');
    const extended = await publish(open.prisma.$extends({}), 'extended client');
    for (const id of [alone, client, extended]) {
      expect(created).toContain(id);
      expect((await dispatch.store.get(id))?.status).toBe('pending');
    }
  });

  it('takes the tx of an $extends copy of the store’s client: the same database', async () => {
    const extended = open.prisma.$extends({});
    const id = await withOutboxTransaction(extended, (tx) => publish(tx, 'extended tx'));
    expect(created).toContain(id);
    expect((await dispatch.store.get(id))?.status).toBe('pending');
  });

  it('throws TransactionRequiredError outside a transaction when configured to', async () => {
    const strictly = (transaction?: unknown) =>
      strict.publisher.publishEvent(event('strict'), { transaction });
    await expect(strictly()).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    await expect(strictly()).rejects.toThrow(/withOutboxTransaction\(prisma/);
    await expect(strictly(open.prisma)).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    // Inside a plain $transaction the store sees no transaction of its own: refused too, not autocommitted.
    await open.prisma.$transaction(async () => {
      await expect(strictly()).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
    });
    const explicit = await withOutboxTransaction(open.prisma, (tx) => strictly(tx));
    const ambient = await withOutboxTransaction(open.prisma, () => strictly());
    expect((await strict.store.get(explicit.id))?.status).toBe('pending');
    expect((await strict.store.get(ambient.id))?.status).toBe('pending');
  });

  it('refuses a tx of a plain prisma.$transaction, naming withOutboxTransaction, and writes nothing', async () => {
    const rows = await outboxRows();
    await open.prisma.$transaction(async (tx) => {
      await expect(publish(tx, 'plain')).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringMatching(/withOutboxTransaction\(prisma.*Nothing was written/s),
      });
      await expect(withOutboxTransaction(tx, async () => {})).rejects.toThrow(
        /nests only in a transaction opened by withOutboxTransaction/,
      );
    });
    expect(await outboxRows()).toBe(rows);
  });

  it('refuses a plain object, a tx of another client and a finished tx', async () => {
    const refused = (transaction: unknown, message: RegExp) =>
      expect(publish(transaction, 'x')).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
        message: expect.stringMatching(message),
      });
    await refused({ $transaction() {} }, /expects \{ transaction: tx \}.*got a plain object/);
    await refused('tx', /got string/);
    await refused(other.prisma, /another PrismaClient/);
    await withOutboxTransaction(other.prisma, (tx) => refused(tx, /another PrismaClient/));
    // Another client's ambient transaction is not this store's: the event is written on its own.
    const outside = await withOutboxTransaction(other.prisma, () => publish(undefined, 'not ambient'));
    expect(created).toContain(outside);
    let finished: unknown;
    await withOutboxTransaction(open.prisma, async (tx) => {
      finished = tx;
    });
    await refused(finished, /already committed/);
    await withOutboxTransaction(open.prisma, async (tx) => {
      finished = tx;
      throw new Error('no');
    }).catch(() => {});
    await refused(finished, /already rolled back/);
  });

  it('checks its own arguments', async () => {
    await expect(withOutboxTransaction(open.prisma, 'work' as never)).rejects.toThrow(
      /work must be a function \(tx\) => Promise, got string/,
    );
    await expect(withOutboxTransaction({} as never, async () => {})).rejects.toThrow(
      /prisma must be your PrismaClient.*got a plain object/,
    );
  });
});
