import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedStore, SuiteContext } from './suite-context.js';

const LEASE = 60_000;

/**
 * Per-key and outcome rules the store suite of `@dispatch/core/testing` leaves to SQL stores. A
 * requeued head behind a later in-flight event is the store suite's own case ("holds a key while
 * any of its events is leased, even when an earlier one is requeued").
 */
export function keyRulesSuite(context: SuiteContext): void {
  describe('per-key rules beyond the store suite', () => {
    let opened: OpenedStore;
    let store: OutboxStore;

    beforeAll(async () => {
      opened = await context.open('keys');
      store = opened.store;
    }, 60_000);

    afterAll(() => opened?.close());

    it('keeps a key blocked behind a head scheduled for later, and keeps other keys moving', async () => {
      const later = makeNewEvent({ key: 'scheduled', scheduledAt: new Date(Date.now() + 3_600_000) });
      const behind = makeNewEvent({ key: 'scheduled' });
      const other = makeNewEvent({ key: 'other' });
      await store.insert([later, behind, other], { transaction: undefined, onCommit: () => {} });
      const claimed = await store.claim({ owner: 'w1', limit: 10, leaseMs: LEASE });
      expect(claimed.map((event) => event.id)).toEqual([other.id]);
      await store.record('w1', [{ id: other.id, status: 'published' }]);
      expect(await store.fail([later.id, behind.id], 'cleanup')).toBe(2);
    });

    it('reports a repeated outcome for one id as lost and applies the first', async () => {
      // A retry, then a publish: a store that writes the published outcomes first would keep the wrong one.
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      await store.claim({ owner: 'w1', limit: 10, leaseMs: LEASE });
      const result = await store.record('w1', [
        { id: event.id, status: 'retry', delayMs: 0, error: 'first' },
        { id: event.id, status: 'published' },
      ]);
      expect(result).toEqual({ applied: [event.id], lost: [event.id] });
      expect((await store.get(event.id))?.status).toBe('retry');
      const [again] = await store.claim({ owner: 'w1', limit: 10, leaseMs: LEASE });
      await store.record('w1', [{ id: again!.id, status: 'released' }]);
      // Released after two attempts: back to retry with one attempt counted.
      expect(await store.get(event.id)).toMatchObject({ status: 'retry', attempts: 1 });
      await store.fail([event.id], 'cleanup');
    });

    it('writes a large batch in one go, inside a caller transaction', async () => {
      // More rows than one INSERT statement carries: the store splits them, in one transaction.
      const events = Array.from({ length: 1234 }, (_, n) =>
        makeNewEvent({ data: { n }, key: `bulk-${n % 3}` }),
      );
      await opened.transaction((transaction) => store.insert(events, { transaction, onCommit: () => {} }));
      const page = await store.list({ filter: { ids: events.slice(-3).map((event) => event.id) } });
      expect(page.events).toHaveLength(3);
      expect((await store.stats()).counts.pending).toBeGreaterThanOrEqual(1234);
      // Sequence follows array order within a batch.
      const [a, b] = await Promise.all([store.get(events[0]!.id), store.get(events[1233]!.id)]);
      expect(a!.sequence!).toBeLessThan(b!.sequence!);
    });
  });
}
