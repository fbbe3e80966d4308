import type { Dispatch } from '@dispatch/core';
import { sleep } from '@dispatch/core/testing';
import { removeSqliteFiles } from '@dispatch/test-services/sql-databases';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOutboxTransaction } from '../src/index.js';
import { dropOutbox, type OpenDb, openDb, uniqueTable } from './databases.js';
import { dispatchFor } from './harness.js';

// SQLite through @prisma/adapter-better-sqlite3: one connection, which an open transaction holds.
describe('the one SQLite connection', () => {
  const outbox = uniqueTable('conn');
  let open: OpenDb;
  let dispatch: Dispatch;
  let impatient: Dispatch;

  beforeAll(async () => {
    open = await openDb('sqlite');
    dispatch = await dispatchFor(open, outbox);
    impatient = await dispatchFor(open, outbox, { transactionOptions: { maxWait: 300 } });
  });

  afterAll(async () => {
    await dispatch.close();
    await impatient.close();
    await dropOutbox(open, outbox);
    await open.close();
    removeSqliteFiles();
  });

  const event = (name: string) => ({ eventType: 'test.sqlite', source: 'tests', data: { name } });

  it('runs the store’s own statements after an open transaction ends, never inside it', async () => {
    let outsideId = '';
    let outsideDoneInside: boolean | undefined;
    let insideId = '';
    await expect(
      withOutboxTransaction(open.prisma, async (tx) => {
        insideId = (await dispatch.publisher.publishEvent(event('inside'), { transaction: tx })).id;
        // Started from another async context, outside this transaction: it waits for the connection.
        let done = false;
        const outside = Promise.resolve().then(async () => {
          const id = (await dispatch.publisher.publishEvent(event('outside'), { transaction: open.prisma }))
            .id;
          done = true;
          return id;
        });
        await sleep(200);
        outsideDoneInside = done;
        void outside.then((id) => {
          outsideId = id;
        });
        throw new Error('roll back the transaction');
      }),
    ).rejects.toThrow('roll back the transaction');
    await expect.poll(() => outsideId, { timeout: 5000 }).not.toBe('');
    expect(outsideDoneInside).toBe(false);
    // The rollback took the event written inside, not the one written after it ended.
    expect(await dispatch.store.get(insideId)).toBeNull();
    expect((await dispatch.store.get(outsideId))?.status).toBe('pending');
  });

  it('claims after the open transaction commits, seeing what it wrote', async () => {
    let claim: Promise<unknown> | undefined;
    const id = await withOutboxTransaction(open.prisma, async (tx) => {
      const written = (await dispatch.publisher.publishEvent(event('claimed'), { transaction: tx })).id;
      claim = dispatch.store.claim({ owner: 'w1', limit: 100, leaseMs: 10_000 });
      await sleep(100);
      return written;
    });
    const claimed = (await claim) as { id: string }[];
    expect(claimed.map((row) => row.id)).toContain(id);
  });

  it('fails after maxWait, instead of waiting forever, for a write on its own inside an open transaction', async () => {
    const rows = async () => Number((await open.exec(`SELECT COUNT(*) AS n FROM ${outbox}`))[0]?.n);
    const before = await rows();
    await withOutboxTransaction(open.prisma, async () => {
      // `{ transaction: prisma }` asks for a write of its own, which needs the connection this holds.
      await expect(
        impatient.publisher.publishEvent(event('deadlock'), { transaction: open.prisma }),
      ).rejects.toThrow(/transaction/i);
    });
    expect(await rows()).toBe(before);
  });
});
