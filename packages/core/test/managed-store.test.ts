import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createStore } from '../src/managed-store.js';
import { memoryStore } from '../src/memory.js';

describe('the store wrapper', () => {
  it('refuses a claim with bad arguments before the store sees it, saying which', async () => {
    const store = await createStore(memoryStore, {}, { logger: silentLogger });
    const bad = [
      [{ owner: '', limit: 1, leaseMs: 1 }, /owner token/],
      [{ owner: 'w', limit: 0, leaseMs: 1 }, /claim limit/],
      [
        { owner: 'w', limit: 1, leaseMs: 1, continueRuns: 'yes' },
        /continueRuns must be true or false, got "yes"/,
      ],
    ] as const;
    for (const [request, message] of bad) {
      await expect(store.claim(request as never)).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
      });
      await expect(store.claim(request as never)).rejects.toThrow(message);
    }
    await store.close();
  });
});
