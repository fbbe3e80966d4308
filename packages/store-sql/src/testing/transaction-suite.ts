import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedStore, SuiteContext } from './suite-context.js';

/**
 * The caller's transaction as the executor contract states it (`callerTransaction`): a foreign
 * object is refused, none means the store writes on its own unless `requireTransaction`, and
 * `onCommit` waits for the outermost commit while a rolled-back savepoint drops its events.
 */
export function transactionSuite(context: SuiteContext): void {
  describe('caller transactions', () => {
    let opened: OpenedStore;
    let store: OutboxStore;

    beforeAll(async () => {
      opened = await context.open('tx');
      store = opened.store;
    }, 60_000);

    afterAll(() => opened?.close());

    it('refuses a transaction that is not one of the ORM, and writes nothing', async () => {
      const event = makeNewEvent();
      let commits = 0;
      await expect(
        store.insert([event], { transaction: { begin() {} }, onCommit: () => commits++ }),
      ).rejects.toMatchObject({ code: 'DISPATCH_INVALID_ARGUMENT' });
      expect(commits).toBe(0);
      expect(await store.get(event.id)).toBeNull();
    });

    it('throws TransactionRequiredError outside a transaction with requireTransaction, and writes inside one', async () => {
      const strict = await context.open('strict', { options: { requireTransaction: true } });
      try {
        const outside = makeNewEvent();
        await expect(
          strict.store.insert([outside], { transaction: undefined, onCommit: () => {} }),
        ).rejects.toMatchObject({ code: 'DISPATCH_TRANSACTION_REQUIRED' });
        expect(await strict.store.get(outside.id)).toBeNull();
        const inside = makeNewEvent();
        let commits = 0;
        await strict.transaction((transaction) =>
          strict.store.insert([inside], { transaction, onCommit: () => commits++ }),
        );
        expect(commits).toBe(1);
        expect((await strict.store.get(inside.id))?.status).toBe('pending');
      } finally {
        await strict.close();
      }
    });

    describe.skipIf(!context.capabilities.savepoints)('savepoints', () => {
      const savepoint = <T>(transaction: unknown, work: (nested: unknown) => Promise<T>) =>
        opened.savepoint!(transaction, work);

      it('calls onCommit only when the outer transaction commits, not at a nested savepoint', async () => {
        const event = makeNewEvent();
        let commits = 0;
        await opened.transaction(async (outer) => {
          await savepoint(outer, (nested) =>
            store.insert([event], { transaction: nested, onCommit: () => commits++ }),
          );
          expect(commits).toBe(0);
        });
        expect(commits).toBe(1);
        expect((await store.get(event.id))?.status).toBe('pending');
      });

      it('leaves nothing when the outer transaction rolls back after a nested one committed', async () => {
        const event = makeNewEvent();
        let commits = 0;
        await expect(
          opened.transaction(async (outer) => {
            await savepoint(outer, (nested) =>
              store.insert([event], { transaction: nested, onCommit: () => commits++ }),
            );
            throw new Error('outer refused');
          }),
        ).rejects.toThrow('outer refused');
        expect(await store.get(event.id)).toBeNull();
        expect(commits).toBe(0);
      });

      it('drops the event of a rolled-back savepoint and keeps the rest of the transaction', async () => {
        const kept = makeNewEvent();
        const dropped = makeNewEvent();
        const commits: string[] = [];
        await opened.transaction(async (outer) => {
          await store.insert([kept], { transaction: outer, onCommit: () => commits.push(kept.id) });
          await expect(
            savepoint(outer, async (nested) => {
              await store.insert([dropped], {
                transaction: nested,
                onCommit: () => commits.push(dropped.id),
              });
              throw new Error('savepoint refused');
            }),
          ).rejects.toThrow('savepoint refused');
        });
        expect((await store.get(kept.id))?.status).toBe('pending');
        expect(await store.get(dropped.id)).toBeNull();
        expect(commits).toEqual([kept.id]);
      });
    });
  });
}
