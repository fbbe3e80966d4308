import { describe, expect, it } from 'vitest';
import { sleep } from './fixtures.js';
import type { StoreSuiteContext } from './suite-context.js';

/**
 * Wake-ups: subscribers hear of events soon after they commit. Called inside `runStoreConformance`,
 * so every store runs it.
 */
export function describeWakeups(context: StoreSuiteContext): void {
  const { fresh, seed, capabilities } = context;

  describe.skipIf(!capabilities.wakeups)('wake-ups', () => {
    it('tells subscribers soon after events commit', async () => {
      const store = await fresh();
      let woken = 0;
      const unsubscribe = await store.subscribe(() => woken++);
      await seed(store, 1);
      for (let waited = 0; woken === 0 && waited < 3000; waited += 20) await sleep(20);
      await unsubscribe();
      expect(woken).toBeGreaterThan(0);
    });
  });
}
