import { createBackend, type OutboxEvent, silentLogger, toCloudEvent } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryBackend } from './memory-backend.js';
import { MemoryBroker, sharedBroker } from './memory-broker.js';

let counter = 0;
function event(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  counter += 1;
  // Fixed ids and a whole-second timestamp, so entries can be compared field by field.
  const createdAt = new Date('2026-01-01T00:00:00.000Z');
  return makeOutboxEvent({
    id: `00000000-0000-7000-8000-${String(counter).padStart(12, '0')}`,
    eventType: 'order.created',
    source: 'shop',
    data: { n: counter },
    createdAt,
    availableAt: createdAt,
    updatedAt: createdAt,
    lockedUntil: null,
    sequence: counter,
    ...overrides,
  });
}

async function backendFor(broker: MemoryBroker, options: Record<string, unknown> = {}) {
  return createBackend(memoryBackend, { broker, ...options }, { name: 'default', logger: silentLogger });
}

describe('memory backend', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('appends entries in the Redis stream field format to the configured stream', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker, { stream_name: 'orders' });
    const e = event({ key: 'order-1', fields: { region: 'eu', urgent: true }, subject: 'order/1' });
    const [outcome] = await backend.publish([e]);
    expect(outcome).toMatchObject({ id: e.id, ok: true });
    expect(broker.streams()).toEqual(['orders']);
    const [entry] = broker.entries('orders');
    expect(entry?.fields).toEqual({
      event_id: e.id,
      event_type: 'order.created',
      source: 'shop',
      // The original library's `datetime.isoformat()`: no fraction on a whole second.
      timestamp: '2026-01-01T00:00:00+00:00',
      cloud_event: JSON.stringify(toCloudEvent(e)),
      key: 'order-1',
      region: 'eu',
      urgent: 'true',
    });
    expect(outcome?.ok && outcome.ref).toBe(entry?.id);
    expect(broker.cloudEvents('orders')[0]).toEqual(toCloudEvent(e));
  });

  it("defaults to the 'events' stream of the process-wide broker", async () => {
    const backend = await createBackend(memoryBackend, {}, { name: 'default', logger: silentLogger });
    const e = event();
    await backend.publish([e]);
    expect(
      sharedBroker()
        .entries('events')
        .map((entry) => entry.fields.event_id),
    ).toContain(e.id);
    sharedBroker().clear();
  });

  it('rejects unknown or wrong options with their paths', async () => {
    await expect(
      createBackend(memoryBackend, { stream_name: '', brokr: 1 }, { name: 'x', logger: silentLogger }),
    ).rejects.toThrow(/stream_name[\s\S]*brokr|brokr[\s\S]*stream_name/);
    await expect(
      createBackend(memoryBackend, { broker: {} }, { name: 'x', logger: silentLogger }),
    ).rejects.toThrow(/MemoryBroker/);
  });

  it('keeps entry ids increasing across streams and records duplicates unless idempotent', async () => {
    const broker = new MemoryBroker();
    const plain = await backendFor(broker, { stream_name: 'a' });
    const idempotent = await backendFor(broker, { stream_name: 'b', idempotent: true });
    const e = event();
    await plain.publish([e, event()]);
    await plain.publish([e]);
    expect(broker.duplicates('a')).toEqual(new Map([[e.id, 2]]));
    const [first] = await idempotent.publish([e]);
    const [second] = await idempotent.publish([e]);
    expect(broker.count('b')).toBe(1);
    expect(second).toEqual(first);
    const ids = broker.entries().map((entry) => entry.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('MemoryBroker inspection', () => {
  it('subscribe sees each appended entry until unsubscribed', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    const seen: string[] = [];
    const stop = broker.subscribe((entry) => seen.push(entry.fields.event_id ?? ''));
    const a = event();
    await backend.publish([a]);
    stop();
    await backend.publish([event()]);
    expect(seen).toEqual([a.id]);
  });

  it('waitFor resolves at once, after later appends, or rejects after its timeout', async () => {
    vi.useFakeTimers();
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    await expect(broker.waitFor(() => true)).resolves.toEqual([]);
    const waiting = broker.waitForCount(2, { stream: 'events' });
    await backend.publish([event()]);
    await backend.publish([event()]);
    await expect(waiting).resolves.toHaveLength(2);
    const never = broker.waitFor((entries) => entries.length > 10, 1000);
    const assertion = expect(never).rejects.toThrow(/timed out after 1000 ms with 2 entries/);
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
  });

  it('clear forgets one stream or all', async () => {
    const broker = new MemoryBroker();
    await (await backendFor(broker, { stream_name: 'a' })).publish([event()]);
    await (await backendFor(broker, { stream_name: 'b' })).publish([event()]);
    broker.clear('a');
    expect(broker.streams()).toEqual(['b']);
    broker.clear();
    expect(broker.count()).toBe(0);
  });
});

describe('MemoryBroker failure injection', () => {
  it('setUnavailable fails every publish as unavailable and fails health until turned off', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    broker.setUnavailable();
    const outcomes = await backend.publish([event(), event()]);
    expect(outcomes.map((o) => !o.ok && o.failure)).toEqual(['unavailable', 'unavailable']);
    expect(await backend.health()).toMatchObject({ ok: false, error: 'memory broker is unavailable' });
    broker.setUnavailable(false);
    expect((await backend.publish([event()]))[0]?.ok).toBe(true);
    expect((await backend.health()).ok).toBe(true);
  });

  it('rejectWhen rejects matching events only, with the reason', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    broker.rejectWhen((e) => e.eventType === 'bad', 'too large');
    const outcomes = await backend.publish([event({ eventType: 'bad' }), event()]);
    expect(outcomes[0]).toMatchObject({ ok: false, failure: 'rejected' });
    expect(!outcomes[0]?.ok && outcomes[0]?.error.message).toContain('too large');
    expect(outcomes[1]?.ok).toBe(true);
    expect(broker.count()).toBe(1);
  });

  it('failNext fails the next N event publishes with the chosen kind, then succeeds', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    broker.failNext(3);
    broker.failNext(1, { failure: 'unavailable', match: (e) => e.eventType === 'other' });
    const first = await backend.publish([event(), event()]);
    expect(first.map((o) => !o.ok && o.failure)).toEqual(['retryable', 'retryable']);
    const second = await backend.publish([event(), event(), event({ eventType: 'other' })]);
    expect(second.map((o) => (o.ok ? 'ok' : o.failure))).toEqual(['retryable', 'ok', 'unavailable']);
    expect((await backend.publish([event({ eventType: 'other' })]))[0]?.ok).toBe(true);
  });

  it('reset clears entries and every rule', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    broker.setUnavailable();
    broker.rejectWhen(() => true);
    broker.failNext(5);
    broker.reset();
    expect((await backend.publish([event()]))[0]?.ok).toBe(true);
  });

  it('hold keeps publishes in flight until released', async () => {
    const broker = new MemoryBroker();
    const backend = await backendFor(broker);
    const release = broker.hold();
    const publishing = backend.publish([event()]);
    await vi.waitFor(() => expect(broker.held).toBe(1));
    expect(broker.count()).toBe(0);
    release();
    expect((await publishing)[0]?.ok).toBe(true);
    expect(broker.count()).toBe(1);
    expect(broker.publishCalls).toBe(1);
  });
});
