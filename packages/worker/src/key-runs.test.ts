import type { OutboxEvent, PublishOutcome } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import {
  type Final,
  inSequence,
  KEY_HELD,
  KEY_ON_OTHER_PUBLISHER,
  planBatch,
  publishInKeyOrder,
  settleRuns,
} from './key-runs.js';

let sequence = 0;
const event = (overrides: Partial<OutboxEvent> = {}): OutboxEvent =>
  makeOutboxEvent({ id: `e${++sequence}`, sequence, ...overrides });

const ids = (events: readonly { id: string }[]) => events.map((e) => e.id);
const statuses = (finals: Final[]) =>
  Object.fromEntries(
    finals.map((f) => [f.event.id, f.outcome.status === 'released' ? f.outcome.reason : f.outcome.status]),
  );

const release = (e: OutboxEvent, reason: string): Final => ({
  event: e,
  outcome: { id: e.id, status: 'released', reason },
});
const fail = (e: OutboxEvent): Final => ({ event: e, outcome: { id: e.id, status: 'failed', error: 'x' } });

describe('inSequence', () => {
  it('returns a batch already in order as it is, and sorts one that is not', () => {
    const [a, b, c] = [event(), event(), event()] as [OutboxEvent, OutboxEvent, OutboxEvent];
    const ordered = [a, b, c];
    expect(inSequence(ordered)).toBe(ordered);
    expect(ids(inSequence([c, a, b]))).toEqual(ids(ordered));
  });

  it("keeps the store's order when an event has no sequence", () => {
    const batch = [event(), event({ sequence: null }), event({ sequence: 0 })];
    expect(inSequence(batch)).toBe(batch);
  });
});

describe('planBatch', () => {
  it('groups publishable events per publisher in sequence order', () => {
    const batch = [
      event(),
      event({ publisher: 'audit', key: 'k' }),
      event(),
      event({ publisher: 'audit', key: 'k' }),
    ];
    const [a, b, c, d] = batch as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const { groups, finals } = planBatch(batch, () => undefined);
    expect(finals).toEqual([]);
    expect([...groups.keys()]).toEqual(['default', 'audit']);
    expect(ids(groups.get('default')!)).toEqual([a.id, c.id]);
    expect(ids(groups.get('audit')!)).toEqual([b.id, d.id]);
  });

  it('releases the rest of a key once one of its events is held back, leaving other keys alone', () => {
    const [a, b, c, d, e] = [
      event({ key: 'k' }),
      event({ key: 'k', publisher: 'paused' }),
      event({ key: 'j' }),
      event({ key: 'k' }),
      event({ key: 'k' }),
    ] as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const { groups, finals } = planBatch([a, b, c, d, e], (x) =>
      x.publisher === 'paused' ? release(x, 'backend unavailable') : undefined,
    );
    expect(ids(groups.get('default')!)).toEqual([a.id, c.id]);
    expect(statuses(finals)).toEqual({
      [b.id]: 'backend unavailable',
      [d.id]: KEY_HELD,
      [e.id]: KEY_HELD,
    });
    // No attempt used, no delay: the key waits for its earliest event anyway.
    expect(finals.find((f) => f.event.id === d.id)?.outcome).toEqual({
      id: d.id,
      status: 'released',
      reason: KEY_HELD,
    });
  });

  it("releases an event whose publisher differs from its key's first one, and the rest of the key", () => {
    const [a, b, c] = [event({ key: 'k' }), event({ key: 'k', publisher: 'audit' }), event({ key: 'k' })] as [
      OutboxEvent,
      OutboxEvent,
      OutboxEvent,
    ];
    const { groups, finals } = planBatch([a, b, c], () => undefined);
    expect([...groups.keys()]).toEqual(['default']);
    expect(ids(groups.get('default')!)).toEqual([a.id]);
    expect(statuses(finals)).toEqual({ [b.id]: KEY_ON_OTHER_PUBLISHER, [c.id]: KEY_HELD });
  });

  it('fails an exhausted event without holding its key back, even behind a held event', () => {
    const [a, b, c, d] = [
      event({ key: 'k' }),
      event({ key: 'k' }),
      event({ key: 'j', publisher: 'paused' }),
      event({ key: 'j' }),
    ] as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const exhausted = new Set([a.id, d.id]);
    const { groups, finals } = planBatch([a, b, c, d], (x) =>
      exhausted.has(x.id)
        ? fail(x)
        : x.publisher === 'paused'
          ? release(x, 'backend unavailable')
          : undefined,
    );
    expect(ids(groups.get('default')!)).toEqual([b.id]);
    expect(statuses(finals)).toEqual({ [a.id]: 'failed', [c.id]: 'backend unavailable', [d.id]: 'failed' });
  });

  it('holds nothing back for events without a key', () => {
    const [a, b] = [event({ publisher: 'paused' }), event()] as [OutboxEvent, OutboxEvent];
    const { groups } = planBatch([a, b], (x) =>
      x.publisher === 'paused' ? release(x, 'backend unavailable') : undefined,
    );
    expect(ids(groups.get('default')!)).toEqual([b.id]);
  });
});

describe('settleRuns', () => {
  const ok = (e: OutboxEvent): PublishOutcome => ({ id: e.id, ok: true });
  const retryable = (e: OutboxEvent): PublishOutcome => ({
    id: e.id,
    ok: false,
    failure: 'retryable',
    error: new Error('boom'),
  });
  const rejected = (e: OutboxEvent): PublishOutcome => ({
    id: e.id,
    ok: false,
    failure: 'rejected',
    error: new Error('no'),
  });
  // Like the worker's: published, failed when rejected, retry otherwise.
  const decide = (e: OutboxEvent, outcome: PublishOutcome | undefined): Final => {
    if (outcome?.ok) return { event: e, outcome: { id: e.id, status: 'published' } };
    if (outcome?.failure === 'rejected') return fail(e);
    return { event: e, outcome: { id: e.id, status: 'retry', delayMs: 1000, error: 'boom' } };
  };

  it("decides a key's first failure and releases the failures after it", () => {
    const run = [event({ key: 'k' }), event({ key: 'k' }), event({ key: 'k' }), event({ key: 'k' })];
    const [a, b, c, d] = run as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const { finals, overtaken } = settleRuns(
      [
        { event: a, outcome: ok(a) },
        { event: b, outcome: retryable(b) },
        { event: c, outcome: retryable(c) },
        { event: d, outcome: undefined },
      ],
      decide,
    );
    expect(statuses(finals)).toEqual({
      [a.id]: 'published',
      [b.id]: 'retry',
      [c.id]: KEY_HELD,
      [d.id]: KEY_HELD,
    });
    expect(overtaken).toEqual([]);
  });

  it('records as published a later event the backend wrote anyway, and reports it', () => {
    const [a, b, c] = [event({ key: 'k' }), event({ key: 'k' }), event({ key: 'k' })] as [
      OutboxEvent,
      OutboxEvent,
      OutboxEvent,
    ];
    const { finals, overtaken } = settleRuns(
      [
        { event: a, outcome: retryable(a) },
        { event: b, outcome: ok(b) },
        { event: c, outcome: ok(c) },
      ],
      decide,
    );
    expect(statuses(finals)).toEqual({ [a.id]: 'retry', [b.id]: 'published', [c.id]: 'published' });
    expect(overtaken).toEqual([
      { backend: 'default', key: 'k', failedId: a.id, publishedId: b.id },
      { backend: 'default', key: 'k', failedId: a.id, publishedId: c.id },
    ]);
  });

  it('after a final failure, releases later failures and keeps later publishes without reporting them', () => {
    const [a, b, c] = [event({ key: 'k' }), event({ key: 'k' }), event({ key: 'k' })] as [
      OutboxEvent,
      OutboxEvent,
      OutboxEvent,
    ];
    const { finals, overtaken } = settleRuns(
      [
        { event: a, outcome: rejected(a) },
        { event: b, outcome: ok(b) },
        { event: c, outcome: retryable(c) },
      ],
      decide,
    );
    expect(statuses(finals)).toEqual({ [a.id]: 'failed', [b.id]: 'published', [c.id]: KEY_HELD });
    expect(overtaken).toEqual([]);
  });

  it('decides every event without a key, and keys independently of each other', () => {
    const [a, b, c, d] = [event(), event(), event({ key: 'k' }), event({ key: 'j' })] as [
      OutboxEvent,
      OutboxEvent,
      OutboxEvent,
      OutboxEvent,
    ];
    const { finals } = settleRuns(
      [
        { event: a, outcome: retryable(a) },
        { event: b, outcome: retryable(b) },
        { event: c, outcome: retryable(c) },
        { event: d, outcome: retryable(d) },
      ],
      decide,
    );
    expect(statuses(finals)).toEqual({ [a.id]: 'retry', [b.id]: 'retry', [c.id]: 'retry', [d.id]: 'retry' });
  });
});

describe('publishInKeyOrder', () => {
  const ok = (events: readonly OutboxEvent[]): PublishOutcome[] =>
    events.map((e) => ({ id: e.id, ok: true }));

  it('sends the whole group in one call to a backend that keeps a batch in order', async () => {
    const group = [event({ key: 'a' }), event({ key: 'a' }), event()];
    const calls: string[][] = [];
    const outcomes = await publishInKeyOrder(group, { preservesBatchOrder: true }, async (events) => {
      calls.push(ids(events));
      return ok(events);
    });
    expect(calls).toEqual([ids(group)]);
    expect(outcomes.map((o) => o?.ok)).toEqual([true, true, true]);
  });

  it("sends a reordering backend one event of each key per call, in the key's order", async () => {
    const [a1, b1, a2, u, a3, b2] = [
      event({ key: 'a' }),
      event({ key: 'b' }),
      event({ key: 'a' }),
      event(),
      event({ key: 'a' }),
      event({ key: 'b' }),
    ] as OutboxEvent[] as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const calls: string[][] = [];
    const outcomes = await publishInKeyOrder(
      [a1, b1, a2, u, a3, b2],
      { preservesBatchOrder: false },
      async (events) => {
        calls.push(ids(events));
        return ok(events);
      },
    );
    expect(calls).toEqual([ids([a1, b1, u]), ids([a2, b2]), ids([a3])]);
    expect(outcomes.map((o) => o?.id)).toEqual(ids([a1, b1, a2, u, a3, b2]));
  });

  it('sends nothing more of a key after one of its events failed; the rest of the key is released', async () => {
    const [a1, a2, a3, b1, b2] = [
      event({ key: 'a' }),
      event({ key: 'a' }),
      event({ key: 'a' }),
      event({ key: 'b' }),
      event({ key: 'b' }),
    ] as [OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent, OutboxEvent];
    const group = [a1, a2, a3, b1, b2];
    const sent: string[] = [];
    const outcomes = await publishInKeyOrder(group, { preservesBatchOrder: false }, async (events) => {
      sent.push(...ids(events));
      return events.map(
        (e): PublishOutcome =>
          e.id === a2.id
            ? { id: e.id, ok: false, failure: 'retryable', error: new Error('busy') }
            : { id: e.id, ok: true },
      );
    });
    expect(sent).toEqual(ids([a1, b1, a2, b2]));
    expect(outcomes[2]).toBeUndefined();
    const { finals } = settleRuns(
      group.map((e, index) => ({ event: e, outcome: outcomes[index] })),
      (e, outcome) => ({
        event: e,
        outcome: outcome?.ok
          ? { id: e.id, status: 'published' }
          : { id: e.id, status: 'retry', delayMs: 1000, error: 'busy' },
      }),
    );
    expect(statuses(finals)).toEqual({
      [a1.id]: 'published',
      [a2.id]: 'retry',
      [a3.id]: KEY_HELD,
      [b1.id]: 'published',
      [b2.id]: 'published',
    });
  });
});
