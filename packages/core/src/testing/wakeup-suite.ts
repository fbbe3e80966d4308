import { describe, expect, it } from 'vitest';
import { makeNewEvent, sleep } from './fixtures.js';
import type { StoreSuiteContext } from './suite-context.js';

/**
 * Wake-ups: subscribers hear of events soon after they commit. Called inside `runStoreConformance`,
 * so every store runs it.
 */
export function describeWakeups(context: StoreSuiteContext): void {
  const { fresh, seed, current, requires } = context;

  describe('wake-ups', () => {
    it('tells subscribers soon after events commit', async (test) => {
      const store = await fresh();
      requires(test, store, 'wakeups');
      let woken = 0;
      const unsubscribe = await store.subscribe(() => woken++);
      await seed(store, 1);
      for (let waited = 0; woken === 0 && waited < 3000; waited += 20) await sleep(20);
      await unsubscribe();
      expect(woken).toBeGreaterThan(0);
    });

    it("tells them after a caller's transaction commits: not while it is open, not for a rollback", async (test) => {
      const store = await fresh();
      requires(test, store, 'wakeups', 'transactions');
      const transaction = current()?.transaction;
      if (!transaction)
        throw new Error('the store declares transactions but its test gives no transaction hook');
      let woken = 0;
      const unsubscribe = await store.subscribe(() => woken++);
      const write = (trx: unknown) =>
        store.insert([makeNewEvent()], { transaction: trx, onCommit: () => {} });
      await transaction(async (trx) => {
        await write(trx);
        throw new Error('rolled back on purpose');
      }).catch(() => {});
      await transaction(async (trx) => {
        await write(trx);
        // A wake-up now would send a worker to look for an event it cannot see yet.
        await sleep(250);
        expect(woken).toBe(0);
      });
      for (let waited = 0; woken === 0 && waited < 3000; waited += 20) await sleep(20);
      await unsubscribe();
      expect(woken).toBeGreaterThan(0);
    });
  });
}
