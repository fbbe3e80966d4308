import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent, OutboxEvent } from '../event.js';
import { silentLogger } from '../logger.js';
import { createStore } from '../managed-store.js';
import type { OutboxStore, OutcomeRecord, StoreDefinition } from '../store.js';
import { describeDashboardQueries } from './activity-suite.js';
import { makeNewEvent, sleep } from './fixtures.js';

/** What a store declares about itself; groups of tests run or skip from these. */
export interface StoreCapabilities {
  /** It can write inside a caller's transaction (the `transaction` hook is given). */
  transactions?: boolean | undefined;
  /** It has a wake-up channel (`subscribe`) that fires on commit. */
  wakeups?: boolean | undefined;
}

export interface StoreUnderTest {
  definition: StoreDefinition;
  options: unknown;
  /** Run `work` in a caller transaction of this store (commit on resolve, roll back on throw). */
  transaction?: (<T>(work: (transaction: unknown) => Promise<T>) => Promise<T>) | undefined;
  /** Release whatever the factory opened (connections, files) after the test. */
  cleanup?: (() => Promise<void>) | undefined;
}

export interface StoreConformanceOptions {
  /** Suite title, e.g. `mikro-orm (postgresql)`. */
  name: string;
  /** A fresh, migrated, EMPTY store for each test. */
  store: () => Promise<StoreUnderTest>;
  capabilities?: StoreCapabilities | undefined;
  setup?: (() => Promise<void> | void) | undefined;
  teardown?: (() => Promise<void> | void) | undefined;
  /** Lease used by the lease-expiry tests; raise it for slow databases. @default 300 */
  shortLeaseMs?: number | undefined;
}

const LONG_LEASE = 60_000;

/** The rules every outbox store must follow. Call it inside a vitest test file. */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const capabilities = options.capabilities ?? {};
  const shortLease = options.shortLeaseMs ?? 300;
  const cleanups: (() => Promise<void>)[] = [];
  let current: StoreUnderTest | undefined;

  const fresh = async (): Promise<OutboxStore> => {
    current = await options.store();
    const store = await createStore(current.definition, current.options, { logger: silentLogger });
    await store.migrate();
    const under = current;
    cleanups.push(async () => {
      await store.close();
      await under.cleanup?.();
    });
    return store;
  };

  const insert = async (store: OutboxStore, events: NewEvent[]): Promise<void> => {
    await store.insert(events, { transaction: undefined, onCommit: () => {} });
  };

  const seed = async (
    store: OutboxStore,
    count: number,
    overrides: Partial<NewEvent> = {},
  ): Promise<NewEvent[]> => {
    const events = Array.from({ length: count }, (_, n) => makeNewEvent({ data: { n }, ...overrides }));
    await insert(store, events);
    return events;
  };

  const ids = (events: readonly { id: string }[]): string[] => events.map((event) => event.id);

  const bySequence = (events: readonly OutboxEvent[]): OutboxEvent[] =>
    [...events].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));

  describe(`store conformance: ${options.name}`, () => {
    beforeAll(async () => {
      await options.setup?.();
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    afterAll(async () => {
      await options.teardown?.();
    });

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
          backend: 'high_priority',
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
          backend: 'high_priority',
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

    describe.skipIf(!capabilities.transactions)('transactions', () => {
      it('makes events visible, and calls onCommit, only when the caller commits', async () => {
        const store = await fresh();
        const event = makeNewEvent();
        let commits = 0;
        await current!.transaction!(async (tx) => {
          await store.insert([event], { transaction: tx, onCommit: () => commits++ });
          expect(commits).toBe(0);
        });
        expect(commits).toBe(1);
        expect((await store.get(event.id))?.status).toBe('pending');
      });

      it('leaves nothing, and never calls onCommit, when the caller rolls back', async () => {
        const store = await fresh();
        const event = makeNewEvent();
        let commits = 0;
        await expect(
          current!.transaction!(async (tx) => {
            await store.insert([event], { transaction: tx, onCommit: () => commits++ });
            throw new Error('business rule failed');
          }),
        ).rejects.toThrow('business rule failed');
        expect(commits).toBe(0);
        expect(await store.get(event.id)).toBeNull();
        expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: LONG_LEASE })).toHaveLength(0);
      });
    });

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

      it('only claims events of the requested backends', async () => {
        const store = await fresh();
        await seed(store, 2, { backend: 'default' });
        const priority = await seed(store, 2, { backend: 'high_priority' });
        const claimed = await store.claim({
          owner: 'w1',
          limit: 10,
          leaseMs: LONG_LEASE,
          backends: ['high_priority'],
        });
        expect(ids(claimed)).toEqual(ids(priority));
      });
    });

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

      it('a run stops at an event of a backend not asked for', async () => {
        const store = await fresh();
        const a = [
          makeNewEvent({ key: 'a', backend: 'x' }),
          makeNewEvent({ key: 'a', backend: 'y' }),
          makeNewEvent({ key: 'a', backend: 'y' }),
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
        expect(await store.cleanup({ status: 'published', olderThanMs: 0, limit: 100, dryRun: true })).toBe(
          5,
        );
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
          backend: 'high_priority',
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
        expect((await store.list({ filter: { backend: 'high_priority' } })).events).toHaveLength(2);
        expect((await store.list({ filter: { key: 'u1' } })).events).toHaveLength(2);
        expect((await store.list({ filter: { search: 'USER.CRE' } })).events).toHaveLength(2);
        expect((await store.list({ filter: { search: orders[0]!.id.slice(-12) } })).events).toHaveLength(1);
        expect((await store.list({ filter: { status: ['pending'] } })).events).toHaveLength(7);
        expect((await store.list({ filter: { status: ['failed'] } })).events).toHaveLength(0);
        expect((await store.list({ filter: { since: new Date(Date.now() + 60_000) } })).events).toHaveLength(
          0,
        );
        expect((await store.list({ filter: { until: new Date(Date.now() + 60_000) } })).events).toHaveLength(
          7,
        );
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

      it('reports stats by status and backend, in-flight count and oldest pending age', async () => {
        const store = await fresh();
        const empty = await store.stats();
        expect(empty.oldestPendingAgeMs).toBeNull();
        const events = await seed(store, 4);
        await seed(store, 1, { backend: 'high_priority' });
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

    describeDashboardQueries({ fresh, insert });

    describe.skipIf(!capabilities.wakeups)('wake-ups', () => {
      it('tells subscribers soon after events commit', async () => {
        const store = await fresh();
        let woken = 0;
        const unsubscribe = await store.subscribe(() => woken++);
        await seed(store, 1);
        for (let waited = 0; woken === 0 && waited < 3000; waited += 20) await sleep(20);
        await unsubscribe();
        expect(woken).toBeGreaterThan(0);
      });
    });
  });
}
