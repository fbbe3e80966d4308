import { describe, expect, it } from 'vitest';
import { sleep } from './fixtures.js';
import { ids, LONG_LEASE, type StoreSuiteContext } from './suite-context.js';

/**
 * Operator actions and upkeep: bounded cleanup, list/filter/paging, requeue, fail, stats, health,
 * close. Called inside `runStoreConformance`, so every store runs it.
 */
export function describeOperations(context: StoreSuiteContext): void {
  const { fresh, seed } = context;

  describe('operations', () => {
    it('cleans up old final events in bounded batches, with a dry run', async () => {
      const store = await fresh();
      const events = await seed(store, 5);
      const pending = await seed(store, 1);
      await store.claim({ owner: 'w1', limit: 5, leaseMs: LONG_LEASE });
      await store.record(
        'w1',
        events.map((event) => ({ id: event.id, status: 'published' as const })),
      );
      await sleep(20);
      expect(await store.cleanup({ status: 'published', olderThanMs: 86_400_000, limit: 100 })).toBe(0);
      expect(await store.cleanup({ status: 'published', olderThanMs: 0, limit: 100, dryRun: true })).toBe(5);
      expect(await store.cleanup({ status: 'published', olderThanMs: 0, limit: 2 })).toBe(2);
      expect(await store.cleanup({ status: 'published', olderThanMs: 0, limit: 100 })).toBe(3);
      expect(await store.cleanup({ status: 'failed', olderThanMs: 0, limit: 100 })).toBe(0);
      expect((await store.get(pending[0]!.id))?.status).toBe('pending');
    });

    it('cleans up failed events separately', async () => {
      const store = await fresh();
      const [event] = await seed(store, 1);
      await store.fail([event!.id], 'operator');
      await sleep(20);
      expect(await store.cleanup({ status: 'published', olderThanMs: 0, limit: 100 })).toBe(0);
      expect(await store.cleanup({ status: 'failed', olderThanMs: 0, limit: 100 })).toBe(1);
      expect(await store.get(event!.id)).toBeNull();
    });

    it('lists with filters, newest first, in pages', async () => {
      const store = await fresh();
      const orders = await seed(store, 5, { eventType: 'order.created', source: 'shop', key: null });
      await seed(store, 2, {
        eventType: 'user.created',
        source: 'accounts',
        publisher: 'high_priority',
        key: 'u1',
      });
      const all = await store.list({ filter: { eventType: 'order.created' }, limit: 2 });
      expect(ids(all.events)).toEqual(ids(orders.slice(3).reverse()));
      const page2 = await store.list({
        filter: { eventType: 'order.created' },
        limit: 2,
        after: all.next!,
      });
      const page3 = await store.list({
        filter: { eventType: 'order.created' },
        limit: 2,
        after: page2.next!,
      });
      expect([...ids(all.events), ...ids(page2.events), ...ids(page3.events)]).toEqual(
        ids([...orders].reverse()),
      );
      expect(page3.next).toBeNull();
      expect((await store.list({ filter: { source: 'accounts' } })).events).toHaveLength(2);
      expect((await store.list({ filter: { publisher: 'high_priority' } })).events).toHaveLength(2);
      expect((await store.list({ filter: { key: 'u1' } })).events).toHaveLength(2);
      expect((await store.list({ filter: { search: 'USER.CRE' } })).events).toHaveLength(2);
      expect((await store.list({ filter: { search: orders[0]!.id.slice(-12) } })).events).toHaveLength(1);
      expect((await store.list({ filter: { status: ['pending'] } })).events).toHaveLength(7);
      expect((await store.list({ filter: { status: ['failed'] } })).events).toHaveLength(0);
      expect((await store.list({ filter: { since: new Date(Date.now() + 60_000) } })).events).toHaveLength(0);
      expect((await store.list({ filter: { until: new Date(Date.now() + 60_000) } })).events).toHaveLength(7);
    });

    it('requeues failed events only', async () => {
      const store = await fresh();
      const [failedOne, inFlight, published] = await seed(store, 3);
      await store.fail([failedOne!.id], 'operator');
      await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: published!.id, status: 'published' }]);
      expect(await store.requeue([failedOne!.id, inFlight!.id, published!.id])).toBe(1);
      const requeued = await store.get(failedOne!.id);
      expect(requeued?.status).toBe('pending');
      expect(requeued?.attempts).toBe(0);
      expect((await store.get(inFlight!.id))?.status).toBe('processing');
      expect((await store.get(published!.id))?.status).toBe('published');
    });

    it('marks only waiting events failed, never in-flight or published ones', async () => {
      const store = await fresh();
      const [inFlight, published, waiting] = await seed(store, 3);
      await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: published!.id, status: 'published' }]);
      expect(await store.fail([inFlight!.id, published!.id, waiting!.id], 'bad data')).toBe(1);
      const stored = await store.get(waiting!.id);
      expect(stored?.status).toBe('failed');
      expect(stored?.lastError).toBe('bad data');
      expect((await store.get(inFlight!.id))?.status).toBe('processing');
      expect((await store.get(published!.id))?.status).toBe('published');
    });

    it('reports stats by status and publisher, in-flight count and oldest pending age', async () => {
      const store = await fresh();
      const empty = await store.stats();
      expect(empty.oldestPendingAgeMs).toBeNull();
      const events = await seed(store, 4);
      await seed(store, 1, { publisher: 'high_priority' });
      await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: events[0]!.id, status: 'published' }]);
      const stats = await store.stats();
      expect(stats.counts).toMatchObject({ pending: 3, processing: 1, published: 1, failed: 0, retry: 0 });
      expect(stats.inFlight).toBe(1);
      expect(stats.byBackend.default).toMatchObject({ pending: 2, processing: 1, published: 1 });
      expect(stats.byBackend.high_priority).toMatchObject({ pending: 1 });
      expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
    });

    it('reports healthy', async () => {
      const store = await fresh();
      expect((await store.health()).ok).toBe(true);
    });

    it('refuses use after close', async () => {
      const store = await fresh();
      await store.close();
      await expect(store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE })).rejects.toMatchObject({
        code: 'DISPATCH_CLOSED',
      });
    });
  });
}
