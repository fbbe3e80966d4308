import { describe, expect, it } from 'vitest';
import { createDispatch } from '../src/dispatch.js';
import { silentLogger } from '../src/logger.js';
import { createStore } from '../src/managed-store.js';
import { memoryStore } from '../src/memory.js';
import { defineStore, type StoreDriver } from '../src/store.js';
import { recordingBackend } from './helpers.js';

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
  it('fails a call that outlives OUTBOX_STORE.TIMEOUT and aborts the signal it gave the driver', async () => {
    const signals: AbortSignal[] = [];
    // A database that stopped answering: the claim and the health check never settle.
    const hang = (_input: unknown, call?: { signal: AbortSignal }) => {
      if (call) signals.push(call.signal);
      return new Promise<never>(() => {});
    };
    const definition = defineStore({
      type: 'silent-db',
      create: () =>
        ({
          claim: hang,
          health: (call: { signal: AbortSignal }) => hang(undefined, call),
          close: async () => {},
        }) as unknown as StoreDriver,
    });
    const store = await createStore(definition, {}, { logger: silentLogger, timeoutMs: 40 });
    const started = Date.now();
    await expect(store.claim({ owner: 'w', limit: 1, leaseMs: 1000 })).rejects.toMatchObject({
      code: 'DISPATCH_TIMEOUT',
      message: 'Outbox store (silent-db) claim did not finish within 40 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toMatchObject({ code: 'DISPATCH_TIMEOUT' });
    // A readiness probe answers instead of hanging with the database.
    expect(await store.health()).toEqual({
      ok: false,
      error: 'Outbox store (silent-db) health check did not finish within 40 ms',
    });
    // close() does not wait forever for the calls that never came back.
    await store.close();
  });

  it('gives a call that finishes in time a live signal, and a caller cancels with its own', async () => {
    let seen: AbortSignal | undefined;
    let finish!: () => void;
    const definition = defineStore({
      type: 'slow-db',
      create: () =>
        ({
          stats: (call: { signal: AbortSignal }) => {
            seen = call.signal;
            return new Promise((resolve) => {
              finish = () => resolve({ counts: {} });
            });
          },
          close: async () => {},
        }) as unknown as StoreDriver,
    });
    const store = await createStore(definition, {}, { logger: silentLogger, timeoutMs: 10_000 });
    const stats = store.stats();
    await new Promise((resolve) => setTimeout(resolve, 10));
    finish();
    expect(await stats).toEqual({ counts: {} });
    expect(seen?.aborted).toBe(false);

    const caller = new AbortController();
    const cancelled = store.stats({ signal: caller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    caller.abort(new Error('the page was closed'));
    await expect(cancelled).rejects.toThrow('the page was closed');
    expect(seen?.aborted).toBe(true);
    await store.close();
  });

  it('takes the deadline from OUTBOX_STORE.TIMEOUT, 30 s when not given, 0 for none', async () => {
    const dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: { default: { BACKEND: recordingBackend().definition } },
      OUTBOX_STORE: { STORE: memoryStore },
    });
    expect(dispatch.config.OUTBOX_STORE.TIMEOUT).toBe(30);
    await dispatch.close();
    await expect(
      createDispatch({
        OUTBOX_PUBLISHERS: { default: { BACKEND: recordingBackend().definition } },
        OUTBOX_STORE: { STORE: memoryStore, TIMEOUT: -1 },
      }),
    ).rejects.toThrow(/OUTBOX_STORE\.TIMEOUT: must be a finite number of seconds >= 0/);
  });
});
