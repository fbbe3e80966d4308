import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../event.js';
import type { ActivityBucket, OutboxStore } from '../store.js';
import { makeNewEvent } from './fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What the conformance suite lends these cases. */
export interface ActivityCaseTools {
  /** A fresh, migrated, empty store, closed after the test. */
  fresh: () => Promise<OutboxStore>;
  insert: (store: OutboxStore, events: NewEvent[]) => Promise<void>;
}

/**
 * The store methods behind dashboards: listing oldest first and counts per time bucket. Called
 * inside `runStoreConformance`, so every store runs them.
 */
export function describeDashboardQueries(tools: ActivityCaseTools): void {
  const { fresh, insert } = tools;
  const ids = (events: readonly { id: string }[]): string[] => events.map((event) => event.id);

  describe('dashboard queries', () => {
    it('lists oldest first in pages, with filters', async () => {
      const store = await fresh();
      const events = Array.from({ length: 5 }, (_, n) => makeNewEvent({ data: { n }, key: 'k1' }));
      await insert(store, [...events, makeNewEvent({ key: 'other' })]);
      const first = await store.list({ filter: { key: 'k1' }, limit: 2, order: 'oldest' });
      const second = await store.list({
        filter: { key: 'k1' },
        limit: 2,
        order: 'oldest',
        after: first.next!,
      });
      const third = await store.list({
        filter: { key: 'k1' },
        limit: 2,
        order: 'oldest',
        after: second.next!,
      });
      expect([...ids(first.events), ...ids(second.events), ...ids(third.events)]).toEqual(ids(events));
      expect(third.next).toBeNull();
      const newest = await store.list({ filter: { key: 'k1' }, limit: 5, order: 'newest' });
      expect(ids(newest.events)).toEqual(ids([...events].reverse()));
    });

    it('refuses an unknown list order', async () => {
      const store = await fresh();
      await expect(store.list({ order: 'sideways' as 'newest' })).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
      });
    });

    it('reports aligned, ordered buckets over the window, empty on an empty store', async () => {
      const store = await fresh();
      const report = await store.activity({ windowMs: HOUR, bucketMs: MINUTE });
      expect(report.buckets).toHaveLength(60);
      const starts = report.buckets.map((bucket) => bucket.start.getTime());
      for (const [n, start] of starts.entries()) {
        expect(start % MINUTE).toBe(0);
        if (n > 0) expect(start - (starts[n - 1] as number)).toBe(MINUTE);
      }
      const last = starts[starts.length - 1] as number;
      expect(report.now.getTime()).toBeGreaterThanOrEqual(last);
      expect(report.now.getTime()).toBeLessThan(last + MINUTE);
      expect(report.buckets.every((b) => b.created + b.published + b.failed + b.backlog === 0)).toBe(true);
    });

    it('counts created, published and failed events per bucket and the backlog at each bucket end', async () => {
      const store = await fresh();
      const now = Date.now();
      const ago = (ms: number) => new Date(now - ms);
      // Still waiting, created before the window: in every bucket's backlog, in no bucket's created.
      const ancient = makeNewEvent({ createdAt: ago(3 * HOUR) });
      const waiting = makeNewEvent({ createdAt: ago(30 * MINUTE) });
      const published = makeNewEvent({ createdAt: ago(20 * MINUTE) });
      const failed = makeNewEvent({ createdAt: ago(10 * MINUTE) });
      await insert(store, [ancient, waiting, published, failed]);
      await store.claim({ owner: 'w1', limit: 10, leaseMs: 60_000 });
      await store.record('w1', [
        { id: published.id, status: 'published' },
        { id: ancient.id, status: 'released' },
        { id: waiting.id, status: 'released' },
        { id: failed.id, status: 'released' },
      ]);
      expect(await store.fail([failed.id], 'bad data')).toBe(1);

      const report = await store.activity({ windowMs: HOUR, bucketMs: MINUTE });
      const at = (msAgo: number): ActivityBucket => {
        const time = now - msAgo;
        const bucket = report.buckets.find(
          (b) => b.start.getTime() <= time && time < b.start.getTime() + MINUTE,
        );
        if (!bucket) throw new Error(`no bucket holds ${new Date(time).toISOString()}`);
        return bucket;
      };
      const sum = (pick: (bucket: ActivityBucket) => number) =>
        report.buckets.reduce((total, bucket) => total + pick(bucket), 0);
      expect(sum((b) => b.created)).toBe(3);
      expect(sum((b) => b.published)).toBe(1);
      expect(sum((b) => b.failed)).toBe(1);
      expect(at(30 * MINUTE).created).toBe(1);
      expect(at(45 * MINUTE).backlog).toBe(1);
      expect(at(25 * MINUTE).backlog).toBe(2);
      expect(at(15 * MINUTE).backlog).toBe(3);
      expect(at(5 * MINUTE).backlog).toBe(4);
      const last = report.buckets[report.buckets.length - 1] as ActivityBucket;
      expect(last.backlog).toBe(2);
      expect(report.buckets[0]?.backlog).toBe(1);
    });

    it('counts an event where it finished, not where it was created', async () => {
      const store = await fresh();
      const [event] = [makeNewEvent({ createdAt: new Date(Date.now() - 3 * HOUR) })];
      await insert(store, [event!]);
      await store.claim({ owner: 'w1', limit: 1, leaseMs: 60_000 });
      await store.record('w1', [{ id: event!.id, status: 'published' }]);
      const recent = await store.activity({ windowMs: MINUTE, bucketMs: MINUTE });
      expect(recent.buckets).toHaveLength(1);
      expect(recent.buckets[0]?.published).toBe(1);
      expect(recent.buckets[0]?.created).toBe(0);
    });

    it('refuses a bucket narrower than a second or more than a day of minutes', async () => {
      const store = await fresh();
      await expect(store.activity({ windowMs: HOUR, bucketMs: 10 })).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
      });
      await expect(store.activity({ windowMs: 7 * 24 * HOUR, bucketMs: MINUTE })).rejects.toMatchObject({
        code: 'DISPATCH_INVALID_ARGUMENT',
      });
    });
  });
}
