import { describe, expect, it } from 'vitest';
import { makeNewEvent } from './fixtures.js';
import { LONG_LEASE, type StoreSuiteContext } from './suite-context.js';

/**
 * Writing on its own: every field kept, ids that are not UUIDs, idempotent insert, scheduling.
 * Called inside `runStoreConformance`, so every store runs it.
 */
export function describeWriting(context: StoreSuiteContext): void {
  const { fresh, insert, seed } = context;

  describe('writing', () => {
    it('writes on its own outside a transaction and calls onCommit once', async () => {
      const store = await fresh();
      let commits = 0;
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => commits++ });
      expect(commits).toBe(1);
      expect((await store.get(event.id))?.status).toBe('pending');
    });

    it('keeps every field of the event as written', async () => {
      const store = await fresh();
      const event = makeNewEvent({
        subject: 'order/42',
        dataSchema: 'https://example.com/order.json',
        data: { total: 12.5, nested: { list: [1, 'two', null, true] }, text: 'ünïcødé ✓' },
        key: 'order-42',
        extensions: { tenant: 'acme', priority: 3, sampled: true },
        fields: { region: 'eu', weight: 1.5 },
        publisher: 'high_priority',
        maxRetries: 7,
      });
      await insert(store, [event]);
      const stored = await store.get(event.id);
      expect(stored).toMatchObject({
        id: event.id,
        specVersion: '1.0',
        eventType: event.eventType,
        source: event.source,
        subject: 'order/42',
        dataContentType: 'application/json',
        dataSchema: 'https://example.com/order.json',
        data: event.data,
        key: 'order-42',
        extensions: event.extensions,
        fields: event.fields,
        publisher: 'high_priority',
        maxRetries: 7,
        status: 'pending',
        attempts: 0,
        publishedAt: null,
        lastError: null,
        history: [],
        lockedUntil: null,
      });
      expect(stored?.createdAt.getTime()).toBe(event.createdAt.getTime());
    });

    it('stores ids that are not UUIDs (CloudEvents ids), up to 128 characters', async () => {
      const store = await fresh();
      const event = makeNewEvent({ id: `ce-${'x'.repeat(125)}` });
      await insert(store, [event]);
      expect((await store.get(event.id))?.id).toBe(event.id);
    });

    it('skips an id that already exists instead of duplicating it', async () => {
      const store = await fresh();
      const event = makeNewEvent({ data: { version: 1 } });
      await insert(store, [event]);
      await insert(store, [{ ...event, data: { version: 2 } }]);
      const page = await store.list({ filter: { ids: [event.id] } });
      expect(page.events).toHaveLength(1);
      expect(page.events[0]?.data).toEqual({ version: 1 });
    });

    it('does not make a scheduled event claimable before its time', async () => {
      const store = await fresh();
      await seed(store, 1, { scheduledAt: new Date(Date.now() + 3_600_000) });
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
    });
  });
}

/**
 * Writing in the caller's transaction: visible and `onCommit` only on commit, nothing on rollback.
 * Called inside `runStoreConformance`, so every store runs it.
 */
export function describeTransactions(context: StoreSuiteContext): void {
  const { fresh, current, requires } = context;

  describe('transactions', () => {
    it('makes events visible, and calls onCommit, only when the caller commits', async (test) => {
      const store = await fresh();
      requires(test, store, 'transactions');
      const event = makeNewEvent();
      let commits = 0;
      await current()!.transaction!(async (tx) => {
        await store.insert([event], { transaction: tx, onCommit: () => commits++ });
        expect(commits).toBe(0);
      });
      expect(commits).toBe(1);
      expect((await store.get(event.id))?.status).toBe('pending');
    });

    it('leaves nothing, and never calls onCommit, when the caller rolls back', async (test) => {
      const store = await fresh();
      requires(test, store, 'transactions');
      const event = makeNewEvent();
      let commits = 0;
      await expect(
        current()!.transaction!(async (tx) => {
          await store.insert([event], { transaction: tx, onCommit: () => commits++ });
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      expect(commits).toBe(0);
      expect(await store.get(event.id)).toBeNull();
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
    });
  });
}
