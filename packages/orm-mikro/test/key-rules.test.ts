import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, openOutbox, type TestOutbox } from './databases.js';

const LEASE = 60_000;

describe.each(DATABASES)('per-key rules beyond the suite on %s', (db) => {
  let outbox: TestOutbox;
  let orm: MikroORM;
  let store: OutboxStore;

  beforeAll(async () => {
    outbox = await openOutbox(db, 'keys');
    ({ orm, store } = outbox);
  });

  afterAll(() => outbox.close());

  it('does not hand out a requeued head while a later event of its key is in flight', async () => {
    const first = makeNewEvent({ key: 'requeued' });
    const second = makeNewEvent({ key: 'requeued' });
    await store.insert([first, second], { transaction: undefined, onCommit: () => {} });
    // The head alone, so the second event can be claimed on its own after the first has failed.
    await store.claim({ owner: 'w1', limit: 1, leaseMs: LEASE });
    await store.record('w1', [{ id: first.id, status: 'failed', error: 'rejected' }]);
    const [next] = await store.claim({ owner: 'w1', limit: 10, leaseMs: LEASE });
    expect(next?.id).toBe(second.id);
    expect(await store.requeue([first.id])).toBe(1);
    // The key is under a live lease: nothing of it may be published concurrently.
    expect(await store.claim({ owner: 'w2', limit: 10, leaseMs: LEASE })).toEqual([]);
    await store.record('w1', [{ id: second.id, status: 'published' }]);
    const [again] = await store.claim({ owner: 'w2', limit: 10, leaseMs: LEASE });
    expect(again?.id).toBe(first.id);
    await store.record('w2', [{ id: first.id, status: 'published' }]);
  });

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
    const events = Array.from({ length: 1234 }, (_, n) =>
      makeNewEvent({ data: { n }, key: `bulk-${n % 3}` }),
    );
    await orm.em.fork().transactional((em) => store.insert(events, { transaction: em, onCommit: () => {} }));
    const page = await store.list({ filter: { ids: events.slice(-3).map((event) => event.id) } });
    expect(page.events).toHaveLength(3);
    expect((await store.stats()).counts.pending).toBeGreaterThanOrEqual(1234);
    // Sequence follows array order within a batch.
    const [a, b] = await Promise.all([store.get(events[0]!.id), store.get(events[1233]!.id)]);
    expect(a!.sequence!).toBeLessThan(b!.sequence!);
  });
});
