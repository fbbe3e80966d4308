import { describe, expect, it } from 'vitest';
import { sleep } from './fixtures.js';
import { ids, LONG_LEASE, type StoreSuiteContext } from './suite-context.js';

/**
 * Claims: oldest first, exclusive (also under concurrent claimers), limited, by publisher. Called
 * inside `runStoreConformance`, so every store runs it.
 */
export function describeClaiming(context: StoreSuiteContext): void {
  const { fresh, seed } = context;

  describe('claiming', () => {
    it('leases due events oldest first, counts the attempt, and respects the limit', async () => {
      const store = await fresh();
      const events = await seed(store, 5);
      const claimed = await store.claim({ owner: 'w1', limit: 3, leaseMs: LONG_LEASE });
      expect(ids(claimed)).toEqual(ids(events.slice(0, 3)));
      for (const event of claimed) {
        expect(event.status).toBe('processing');
        expect(event.attempts).toBe(1);
        expect(event.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + LONG_LEASE / 2);
      }
      const stored = await store.get(events[0]!.id);
      expect(stored?.status).toBe('processing');
    });

    it('never hands a leased event out again', async () => {
      const store = await fresh();
      await seed(store, 3);
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(3);
      expect(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
    });

    it('gives every event to exactly one of many concurrent claimers', async () => {
      const store = await fresh();
      const events = await seed(store, 200);
      const seen: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async (_, worker) => {
          for (;;) {
            const batch = await store.claim({ owner: `w${worker}`, limit: 15, leaseMs: LONG_LEASE });
            if (batch.length === 0) return;
            seen.push(...ids(batch));
            await store.record(
              `w${worker}`,
              batch.map((event) => ({ id: event.id, status: 'published' as const })),
            );
          }
        }),
      );
      expect(seen).toHaveLength(200);
      expect(new Set(seen).size).toBe(200);
      expect(new Set(seen)).toEqual(new Set(ids(events)));
    });

    it('only claims events of the requested publishers', async () => {
      const store = await fresh();
      await seed(store, 2, { publisher: 'default' });
      const priority = await seed(store, 2, { publisher: 'high_priority' });
      const claimed = await store.claim({
        owner: 'w1',
        limit: 10,
        leaseMs: LONG_LEASE,
        backends: ['high_priority'],
      });
      expect(ids(claimed)).toEqual(ids(priority));
    });
  });
}

/**
 * Leases: expiry without a manual step, outcomes fenced by the lease owner, renewals. Called inside
 * `runStoreConformance`, so every store runs it.
 */
export function describeLeasesAndFencing(context: StoreSuiteContext): void {
  const { fresh, seed, shortLease } = context;

  describe('leases and fencing', () => {
    it('makes an expired lease claimable with no manual step, keeping the attempt it used', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'crashed', limit: 1, leaseMs: shortLease });
      await sleep(shortLease + 150);
      const [again] = await store.claim({ owner: 'w2', limit: 1, leaseMs: LONG_LEASE });
      expect(again?.id).toBe(event!.id);
      expect(again?.attempts).toBe(2);
    });

    it('refuses outcomes from a worker whose lease was taken over', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'stale', limit: 1, leaseMs: shortLease });
      await sleep(shortLease + 150);
      await store.claim({ owner: 'fresh', limit: 1, leaseMs: LONG_LEASE });
      const stale = await store.record('stale', [{ id: event!.id, status: 'failed', error: 'late' }]);
      expect(stale).toEqual({ applied: [], lost: [event!.id] });
      expect((await store.get(event!.id))?.status).toBe('processing');
      const fresh2 = await store.record('fresh', [{ id: event!.id, status: 'published' }]);
      expect(fresh2).toEqual({ applied: [event!.id], lost: [] });
      expect((await store.get(event!.id))?.status).toBe('published');
    });

    it('still accepts the owner’s outcome after its lease expired if nobody took over', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'slow', limit: 1, leaseMs: shortLease });
      await sleep(shortLease + 150);
      expect(await store.record('slow', [{ id: event!.id, status: 'published' }])).toEqual({
        applied: [event!.id],
        lost: [],
      });
    });

    it('reports outcomes for events the owner never claimed as lost', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      expect(await store.record('nobody', [{ id: event!.id, status: 'published' }])).toEqual({
        applied: [],
        lost: [event!.id],
      });
      expect((await store.get(event!.id))?.status).toBe('pending');
    });

    it('applies a batch of outcomes to the events still held and reports the others lost', async () => {
      const store = await fresh();
      const [first, second, third] = await seed(store, 3);
      await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE });
      const result = await store.record('w1', [
        { id: first!.id, status: 'published' },
        { id: second!.id, status: 'published' },
        { id: third!.id, status: 'published' },
      ]);
      expect([...result.applied].sort()).toEqual([first!.id, second!.id].sort());
      expect(result.lost).toEqual([third!.id]);
      expect((await store.get(first!.id))?.status).toBe('published');
      expect((await store.get(third!.id))?.status).toBe('pending');
    });

    it('renews only the leases the owner still holds', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: shortLease });
      expect(await store.renew('w2', [event!.id], LONG_LEASE)).toEqual([]);
      expect(await store.renew('w1', [event!.id], LONG_LEASE)).toEqual([event!.id]);
      await sleep(shortLease + 150);
      expect(await store.claim({ owner: 'w2', limit: 1, leaseMs: LONG_LEASE })).toHaveLength(0);
    });
  });
}
