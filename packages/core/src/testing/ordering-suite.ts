import { describe, expect, it } from 'vitest';
import type { NewEvent, OutboxEvent } from '../event.js';
import type { OutcomeRecord } from '../store.js';
import { makeNewEvent, sleep } from './fixtures.js';
import { bySequence, ids, LONG_LEASE, type StoreSuiteContext } from './suite-context.js';

/**
 * Per-key ordering: runs of a key in write order, held while leased, across failures and concurrent
 * claimers. Called inside `runStoreConformance`, so every store runs it.
 */
export function describePerKeyOrdering(context: StoreSuiteContext): void {
  const { fresh, insert, seed, shortLease } = context;

  describe('per-key ordering', () => {
    it('claims each key as a run in write order, and keys never block each other', async () => {
      const store = await fresh();
      const written = [
        makeNewEvent({ key: 'a' }),
        makeNewEvent({ key: 'b' }),
        makeNewEvent(),
        makeNewEvent({ key: 'a' }),
        makeNewEvent({ key: 'b' }),
        makeNewEvent({ key: 'a' }),
        makeNewEvent(),
      ];
      await insert(store, written);
      const claimed = await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE });
      expect(ids(bySequence(claimed))).toEqual(ids(written));
      for (const key of ['a', 'b']) {
        expect(ids(claimed.filter((event) => event.key === key))).toEqual(
          ids(written.filter((event) => event.key === key)),
        );
      }
    });

    it('hands one owner a run of a key, in order, and the limit counts events', async () => {
      const store = await fresh();
      const a = await seed(store, 5, { key: 'a' });
      const loose = await seed(store, 3);
      expect(ids(await store.claim({ owner: 'w1', limit: 4, leaseMs: LONG_LEASE }))).toEqual(
        ids(a.slice(0, 4)),
      );
      // a4 is due, but its key is leased to w1.
      expect(ids(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE }))).toEqual(ids(loose));
      expect((await store.get(a[4]!.id))?.status).toBe('pending');
    });

    it('holds a key while its head is leased, and releases it in order as events are published', async () => {
      const store = await fresh();
      const a = await seed(store, 3, { key: 'a' });
      const [first] = await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      expect(first?.id).toBe(a[0]!.id);
      expect(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
      await store.record('w1', [{ id: a[0]!.id, status: 'published' }]);
      expect(ids(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE }))).toEqual(
        ids(a.slice(1)),
      );
    });

    it('does not let a retried event be overtaken by a later one of its key', async () => {
      const store = await fresh();
      const a = await seed(store, 2, { key: 'a' });
      expect(ids(await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE }))).toEqual([a[0]!.id]);
      await store.record('w1', [{ id: a[0]!.id, status: 'retry', delayMs: 3_600_000, error: 'boom' }]);
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
    });

    it('a run split by a failure', async () => {
      const store = await fresh();
      const a = await seed(store, 4, { key: 'a' });
      expect(ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE }))).toEqual(ids(a));
      await store.record('w1', [
        { id: a[0]!.id, status: 'published' },
        { id: a[1]!.id, status: 'retry', delayMs: 0, error: 'transient' },
        { id: a[2]!.id, status: 'released' },
        { id: a[3]!.id, status: 'released' },
      ]);
      const again = await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE });
      expect(ids(again)).toEqual(ids(a.slice(1)));
      expect(again.map((event) => event.attempts)).toEqual([2, 1, 1]);
    });

    it('a key with a retry in its future', async () => {
      const store = await fresh();
      const a = await seed(store, 3, { key: 'a' });
      expect(ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE }))).toEqual(ids(a));
      await store.record('w1', [
        { id: a[0]!.id, status: 'retry', delayMs: 3_600_000, error: 'down' },
        { id: a[1]!.id, status: 'released' },
        { id: a[2]!.id, status: 'released' },
      ]);
      const loose = await seed(store, 1);
      const b = await seed(store, 1, { key: 'b' });
      expect(ids(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE }))).toEqual([
        loose[0]!.id,
        b[0]!.id,
      ]);
    });

    it('a run stops at an event scheduled for later', async () => {
      const store = await fresh();
      const a = [
        makeNewEvent({ key: 'a' }),
        makeNewEvent({ key: 'a', scheduledAt: new Date(Date.now() + 3_600_000) }),
        makeNewEvent({ key: 'a' }),
      ];
      await insert(store, a);
      expect(ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE }))).toEqual([a[0]!.id]);
      await store.record('w1', [{ id: a[0]!.id, status: 'published' }]);
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
      expect((await store.get(a[2]!.id))?.status).toBe('pending');
    });

    it('a run stops at an event of a publisher not asked for', async () => {
      const store = await fresh();
      const a = [
        makeNewEvent({ key: 'a', publisher: 'x' }),
        makeNewEvent({ key: 'a', publisher: 'y' }),
        makeNewEvent({ key: 'a', publisher: 'y' }),
      ];
      await insert(store, a);
      expect(
        await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE, backends: ['y'] }),
      ).toHaveLength(0);
      expect(
        ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE, backends: ['x', 'y'] })),
      ).toEqual(ids(a));
    });

    it('a run interrupted by lease loss', async () => {
      const store = await fresh();
      const a = await seed(store, 4, { key: 'a' });
      expect(ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: shortLease }))).toEqual(ids(a));
      await store.record('w1', [{ id: a[0]!.id, status: 'published' }]);
      await sleep(shortLease + 150);
      const taken = await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE });
      expect(ids(taken)).toEqual(ids(a.slice(1)));
      expect(taken.map((event) => event.attempts)).toEqual([2, 2, 2]);
      expect(await store.record('w1', [{ id: a[1]!.id, status: 'published' }])).toEqual({
        applied: [],
        lost: [a[1]!.id],
      });
    });

    it('lets an owner continue its own runs when asked, and no one else', async () => {
      const store = await fresh();
      const a = await seed(store, 5, { key: 'a' });
      const loose = await seed(store, 1);
      expect(ids(await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE }))).toEqual(
        ids(a.slice(0, 2)),
      );
      // Without continueRuns the key is held, also for its owner; another owner never continues it.
      expect(ids(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE }))).toEqual(ids(loose));
      const other = await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE, continueRuns: true });
      expect(other).toEqual([]);
      const next = await store.claim({ owner: 'w1', limit: 2, leaseMs: LONG_LEASE, continueRuns: true });
      expect(ids(next)).toEqual(ids(a.slice(2, 4)));
      // The first batch fails at its second event: its continuation is given back, and the key
      // starts again from the failed event once it is due.
      await store.record('w1', [
        { id: a[0]!.id, status: 'published' },
        { id: a[1]!.id, status: 'retry', delayMs: 0, error: 'transient' },
        { id: a[2]!.id, status: 'released' },
        { id: a[3]!.id, status: 'released' },
      ]);
      const again = await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE, continueRuns: true });
      expect(ids(again)).toEqual(ids(a.slice(1)));
    });

    it('lets an owner continue its runs when an older event of another key is leased by someone else', async () => {
      const store = await fresh();
      const [x] = await seed(store, 1, { key: 'x' });
      const a = await seed(store, 3, { key: 'a' });
      expect(ids(await store.claim({ owner: 'w2', limit: 1, leaseMs: LONG_LEASE }))).toEqual([x!.id]);
      expect(ids(await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE }))).toEqual([a[0]!.id]);
      // The owner's lease of a[0] comes after w2's of x: it still does not hold the owner's own key back.
      const next = await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE, continueRuns: true });
      expect(ids(next)).toEqual(ids(a.slice(1)));
    });

    it('a run racing a second worker', async () => {
      const store = await fresh();
      const hot: NewEvent[] = [];
      const events: NewEvent[] = [];
      for (let n = 0; n < 40; n++) {
        const event = makeNewEvent({ key: 'hot', data: { n } });
        hot.push(event);
        events.push(event, makeNewEvent({ data: { n } }));
      }
      await insert(store, events);
      const seen = new Set<string>();
      const publishedHot: string[] = [];
      for (let round = 0; round < 100 && seen.size < events.length; round++) {
        const owners = ['w1', 'w2'];
        const batches = await Promise.all(
          owners.map((owner) => store.claim({ owner, limit: 15, leaseMs: LONG_LEASE })),
        );
        const left = ids(hot).slice(publishedHot.length);
        const hotOwners = batches.filter((batch) => batch.some((event) => event.key === 'hot'));
        expect(hotOwners.length).toBeLessThanOrEqual(1);
        for (const [index, batch] of batches.entries()) {
          for (const id of ids(batch)) {
            expect(seen.has(id), `${id} claimed twice`).toBe(false);
            seen.add(id);
          }
          const gotHot = ids(batch.filter((event) => event.key === 'hot'));
          expect(gotHot).toEqual(left.slice(0, gotHot.length));
          publishedHot.push(...gotHot);
          const result = await store.record(
            owners[index]!,
            batch.map((event) => ({ id: event.id, status: 'published' as const })),
          );
          expect(result.lost).toEqual([]);
        }
        if (batches.every((batch) => batch.length === 0)) await sleep(5);
      }
      expect(seen.size).toBe(events.length);
      expect(publishedHot).toEqual(ids(hot));
    });

    it('lets the key move on once its head has failed for good', async () => {
      const store = await fresh();
      const a = await seed(store, 2, { key: 'a' });
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: a[0]!.id, status: 'failed', error: 'rejected' }]);
      const [next] = await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE });
      expect(next?.id).toBe(a[1]!.id);
    });

    it('holds a key while any of its events is leased, even when an earlier one is requeued', async () => {
      const store = await fresh();
      const [first, second] = await seed(store, 2, { key: 'a' });
      await store.claim({ owner: 'w1', limit: 1, leaseMs: LONG_LEASE });
      await store.record('w1', [{ id: first!.id, status: 'failed', error: 'rejected' }]);
      expect(ids(await store.claim({ owner: 'w2', limit: 10, leaseMs: LONG_LEASE }))).toEqual([second!.id]);
      expect(await store.requeue([first!.id])).toBe(1);
      expect(await store.claim({ owner: 'w3', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
      await store.record('w2', [{ id: second!.id, status: 'published' }]);
      expect(ids(await store.claim({ owner: 'w3', limit: 10, leaseMs: LONG_LEASE }))).toEqual([first!.id]);
    });

    it('publishes each key in write order across concurrent claimers with failures', async () => {
      const store = await fresh();
      const keys = ['k1', 'k2', 'k3'];
      const written: Record<string, string[]> = { k1: [], k2: [], k3: [] };
      for (let n = 0; n < 45; n++) {
        const key = keys[n % 3]!;
        const [event] = await seed(store, 1, { key });
        written[key]!.push(event!.id);
      }
      const published: Record<string, string[]> = { k1: [], k2: [], k3: [] };
      let failures = 0;
      await Promise.all(
        Array.from({ length: 3 }, async (_, worker) => {
          const owner = `w${worker}`;
          for (let idle = 0; idle < 20; ) {
            const batch = await store.claim({ owner, limit: 5, leaseMs: LONG_LEASE });
            if (batch.length === 0) {
              idle++;
              await sleep(5);
              continue;
            }
            idle = 0;
            // As a worker does: once an event of a key fails, the rest of that key's run goes
            // back unpublished and waits for the retry.
            const failedKeys = new Set<string>();
            const outcomes = batch.map((event: OutboxEvent): OutcomeRecord => {
              if (failedKeys.has(event.key!)) return { id: event.id, status: 'released' };
              // Deterministic "random" failures: every 4th first attempt fails once.
              if (event.attempts === 1 && failures++ % 4 === 0) {
                failedKeys.add(event.key!);
                return { id: event.id, status: 'retry', delayMs: 0, error: 'transient' };
              }
              published[event.key!]!.push(event.id);
              return { id: event.id, status: 'published' };
            });
            await store.record(owner, outcomes);
          }
        }),
      );
      expect(published).toEqual(written);
    });
  });
}
