import { describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { createStore } from '../src/managed-store.js';
import { memoryStore } from '../src/memory.js';
import { defineStore, type StoreDriver } from '../src/store.js';

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

  it('lets calls in flight finish before it closes the driver, and refuses new ones', async () => {
    const order: string[] = [];
    let finishClaim!: () => void;
    const definition = defineStore({
      type: 'slow',
      create: () =>
        ({
          claim: () =>
            new Promise((resolve) => {
              finishClaim = () => {
                order.push('claim finished');
                resolve([]);
              };
            }),
          close: async () => {
            order.push('driver closed');
          },
        }) as unknown as StoreDriver,
    });
    const store = await createStore(definition, {}, { logger: silentLogger });
    const claiming = store.claim({ owner: 'w', limit: 1, leaseMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = store.close();
    await expect(store.claim({ owner: 'w', limit: 1, leaseMs: 1000 })).rejects.toMatchObject({
      code: 'DISPATCH_CLOSED',
    });
    finishClaim();
    await claiming;
    await closing;
    expect(order).toEqual(['claim finished', 'driver closed']);
  });

  it('masks credentials in health answers, returned or thrown', async () => {
    const answers = [
      async () => ({ ok: false, error: 'connect ECONNREFUSED postgres://app:s3cret@db:5432/app' }),
      async () => {
        throw new Error('auth failed for mysql://root:hunter2@db/test');
      },
    ];
    for (const health of answers) {
      const definition = defineStore({
        type: 'down',
        create: () => ({ health, close: async () => {} }) as unknown as StoreDriver,
      });
      const store = await createStore(definition, {}, { logger: silentLogger });
      const result = await store.health();
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/:\*\*\*@db/);
      expect(result.error).not.toMatch(/s3cret|hunter2/);
      await store.close();
    }
  });
});
