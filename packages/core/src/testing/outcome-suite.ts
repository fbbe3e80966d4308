import { describe, expect, it } from 'vitest';
import { ids, LONG_LEASE, type StoreSuiteContext } from './suite-context.js';

/**
 * Every outcome `record` takes: published, retry, failed, released, with the attempt history.
 * Called inside `runStoreConformance`, so every store runs it.
 */
export function describeOutcomes(context: StoreSuiteContext): void {
  const { fresh, seed } = context;

  describe('outcomes', () => {
    it('records published: final, with publishedAt, never claimed again', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'published' }]);
      const stored = await store.get(event!.id);
      expect(stored?.status).toBe('published');
      expect(stored?.publishedAt).toBeInstanceOf(Date);
      expect(stored?.lockedUntil).toBeNull();
      expect(await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE })).toHaveLength(0);
    });

    it('records a retry: not claimable before its delay, with the error kept in its history', async () => {
      const store = await fresh();
      const [later, now] = await seed(store, 2);
      await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE });
      const result = await store.record('w1', [
        { id: later!.id, status: 'retry', delayMs: 3_600_000, error: 'timeout 1' },
        { id: now!.id, status: 'retry', delayMs: 0, error: 'timeout 2' },
      ]);
      expect(result.applied.sort()).toEqual([later!.id, now!.id].sort());
      const stored = await store.get(later!.id);
      expect(stored?.status).toBe('retry');
      expect(stored?.lastError).toBe('timeout 1');
      expect(stored?.history).toHaveLength(1);
      expect(stored?.history[0]?.error).toBe('timeout 1');
      expect(stored?.availableAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
      const again = await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE });
      expect(ids(again)).toEqual([now!.id]);
      expect(again[0]?.attempts).toBe(2);
    });

    it('records failed as final, keeping the error', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'failed', error: 'rejected: too large' }]);
      const stored = await store.get(event!.id);
      expect(stored?.status).toBe('failed');
      expect(stored?.lastError).toBe('rejected: too large');
      expect(await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE })).toHaveLength(0);
    });

    it('keeps a short history of attempts', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      for (let n = 1; n <= 12; n++) {
        await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
        await store.record('w1', [{ id: event!.id, status: 'retry', delayMs: 0, error: `error ${n}` }]);
      }
      const stored = await store.get(event!.id);
      expect(stored?.attempts).toBe(12);
      expect(stored?.history.map((h) => h.error)).toEqual(
        Array.from({ length: 10 }, (_, i) => `error ${i + 3}`),
      );
    });

    it('releases an event without using its attempt', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'released', reason: 'backend unavailable' }]);
      const stored = await store.get(event!.id);
      expect(stored?.status).toBe('pending');
      expect(stored?.attempts).toBe(0);
      expect(stored?.lastError).toBeNull();
      const [again] = await store.claim({ owner: 'w2', limit: 1, leaseMs: LONG_LEASE });
      expect(again?.attempts).toBe(1);
    });

    it('releases a retried event back to retry, keeping the attempts it used before', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'retry', delayMs: 0, error: 'timeout' }]);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'released' }]);
      const stored = await store.get(event!.id);
      expect(stored?.status).toBe('retry');
      expect(stored?.attempts).toBe(1);
    });

    it('applies a repeated outcome for one event once', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      const result = await store.record('w1', [
        { id: event!.id, status: 'published' },
        { id: event!.id, status: 'failed', error: 'late duplicate' },
      ]);
      expect(result).toEqual({ applied: [event!.id], lost: [event!.id] });
      expect((await store.get(event!.id))?.status).toBe('published');
    });

    it('releases with a delay', async () => {
      const store = await fresh();
      await seed(store, 1);
      const [event] = await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: event!.id, status: 'released', delayMs: 3_600_000 }]);
      expect(await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE })).toHaveLength(0);
    });
  });
}
