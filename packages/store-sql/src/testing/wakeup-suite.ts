import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNotifyChannel } from '../options.js';
import { type OpenedStore, type SuiteContext, uniqueTable } from './suite-context.js';

const waitFor = async (check: () => boolean, ms: number) => {
  for (let waited = 0; !check() && waited < ms; waited += 10) await sleep(10);
};

/** PostgreSQL LISTEN/NOTIFY: wake-ups on commit only, none with `notifyChannel: false`, one on requeue. */
export function wakeupSuite(context: SuiteContext): void {
  describe.skipIf(!context.capabilities.wakeups)('LISTEN/NOTIFY wake-ups', () => {
    let opened: OpenedStore;
    let store: OutboxStore;

    beforeAll(async () => {
      opened = await context.open('wake');
      store = opened.store;
    }, 60_000);

    afterAll(() => opened?.close());

    it('wakes only once the inserting transaction commits, and never for a rollback', async () => {
      let woken = 0;
      const unsubscribe = await store.subscribe(() => woken++);
      try {
        await opened.transaction(async (transaction) => {
          await store.insert([makeNewEvent()], { transaction, onCommit: () => {} });
          await sleep(300);
          expect(woken).toBe(0);
        });
        await waitFor(() => woken > 0, 2000);
        expect(woken).toBe(1);

        await expect(
          opened.transaction(async (transaction) => {
            await store.insert([makeNewEvent()], { transaction, onCommit: () => {} });
            throw new Error('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        await sleep(300);
        expect(woken).toBe(1);
      } finally {
        await unsubscribe();
      }
    });

    it('sends nothing with notifyChannel: false, and stops after unsubscribe', async () => {
      // `quiet` would notify on its table's default channel; `listening` listens there.
      const quietTable = uniqueTable('quiet');
      const quiet = await context.open('quiet', { options: { tableName: quietTable, notifyChannel: false } });
      const listening = await context.open('listen', {
        options: { notifyChannel: defaultNotifyChannel(quietTable) },
      });
      try {
        let woken = 0;
        const unsubscribe = await listening.store.subscribe(() => woken++);
        // The listener is live: its own store's insert wakes it.
        await listening.store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
        await waitFor(() => woken > 0, 2000);
        expect(woken).toBe(1);
        await quiet.store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
        await sleep(300);
        expect(woken).toBe(1);
        await unsubscribe();
        await listening.store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
        await sleep(300);
        expect(woken).toBe(1);
      } finally {
        await quiet.close();
        await listening.close();
      }
    });

    it('wakes on requeue, so an operator retry does not wait for the poll', async () => {
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      await store.fail([event.id], 'operator');
      let woken = 0;
      const unsubscribe = await store.subscribe(() => woken++);
      try {
        expect(await store.requeue([event.id])).toBe(1);
        await waitFor(() => woken > 0, 2000);
        expect(woken).toBe(1);
      } finally {
        await unsubscribe();
      }
    });
  });
}
