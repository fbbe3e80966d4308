import { type ClaimRequest, type Dispatch, defineBackend, published } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Worker } from '../src/index.js';
import { expectOutOfRetries, type Harness, harness } from './helpers.js';

const SECOND = 1000;

/** Start a worker on `h` with every publish held by the broker, once its first claims are made. */
async function runWithPublishesHeld(h: Harness) {
  const release = h.broker.hold();
  const worker = new Worker(h.dispatch, { cleanup: false });
  const running = worker.run();
  await vi.advanceTimersByTimeAsync(0);
  /** Stop the worker and wait for its loop to end. */
  const stop = async () => {
    await worker.stop();
    await running;
  };
  return { release, worker, running, stop };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('runOnce', () => {
  it('claims, publishes to the backend and records published, emitting the published hook', async () => {
    const h = await harness();
    const ids = await h.publish(3);
    const seen: string[] = [];
    h.dispatch.hooks.on('published', (event) => {
      seen.push(event.id);
    });
    const worker = new Worker(h.dispatch);
    const report = await worker.runOnce();
    expect(report).toEqual({ claimed: 3, published: 3, retried: 0, failed: 0, released: 0, lost: 0 });
    expect(h.broker.entries('default').map((e) => e.fields.event_id)).toEqual(ids);
    expect(h.statuses()).toEqual({ published: 3 });
    expect(h.row(ids[0] as string).attempts).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(ids);
  });

  it('publishes each backend group with one call', async () => {
    const h = await harness({ publishers: ['default', 'audit'] });
    await h.publish(5);
    await h.publish(4, { publisher: 'audit' });
    const report = await new Worker(h.dispatch).runOnce();
    expect(report.published).toBe(9);
    expect(h.broker.publishCalls).toBe(2);
    expect(h.broker.count('default')).toBe(5);
    expect(h.broker.count('audit')).toBe(4);
  });

  it('claims at most BATCH_SIZE events', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 4 } });
    await h.publish(10);
    expect((await new Worker(h.dispatch).runOnce()).claimed).toBe(4);
    expect((await new Worker(h.dispatch, { batchSize: 7 }).runOnce()).claimed).toBe(6);
  });
});

describe('retries and failures', () => {
  it('retries a retryable failure on the exponential schedule, keeping a history, then publishes', async () => {
    const h = await harness();
    const [id] = await h.publish(1);
    h.broker.failNext(3);
    const worker = new Worker(h.dispatch, { random: () => 0.5 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const report = await worker.runOnce();
      expect(report.retried).toBe(1);
      const row = h.row(id as string);
      expect(row.status).toBe('retry');
      delays.push(row.availableAt.getTime() - Date.now());
      // Not due a moment early.
      await vi.advanceTimersByTimeAsync(delays.at(-1)! - 1);
      expect((await worker.runOnce()).claimed).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
    }
    expect(delays).toEqual([5 * SECOND, 10 * SECOND, 20 * SECOND]);
    expect((await worker.runOnce()).published).toBe(1);
    const row = h.row(id as string);
    expect(row).toMatchObject({ status: 'published', attempts: 4, lastError: 'injected retryable failure' });
    expect(row.history).toHaveLength(3);
  });

  it('wakes from its idle sleep when a retry it scheduled is due, not a whole SLEEP_TIME later', async () => {
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600, RETRY_BASE_DELAY: 2 } });
    const [id] = await h.publish(1);
    h.broker.failNext(1);
    const worker = new Worker(h.dispatch, { random: () => 0.5, cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.row(id as string).status).toBe('retry');
    const dueIn = h.row(id as string).availableAt.getTime() - Date.now();
    expect(dueIn).toBeGreaterThan(1000);
    await vi.advanceTimersByTimeAsync(dueIn + 100);
    expect(h.row(id as string)).toMatchObject({ status: 'published', attempts: 2 });
    await worker.stop();
    await running;
  });

  it('caps the delay at RETRY_MAX_DELAY and uses a fixed delay without RETRY_BACKOFF', async () => {
    const capped = await harness({
      OUTBOX_WORKER: { RETRY_BASE_DELAY: 10, RETRY_MAX_DELAY: 15, MAX_RETRIES: 5 },
    });
    const [a] = await capped.publish(1);
    capped.broker.failNext(2);
    const worker = new Worker(capped.dispatch, { random: () => 1 });
    await worker.runOnce();
    expect(capped.row(a as string).availableAt.getTime() - Date.now()).toBe(12 * SECOND);
    await vi.advanceTimersByTimeAsync(12 * SECOND);
    await worker.runOnce();
    expect(capped.row(a as string).availableAt.getTime() - Date.now()).toBe(15 * SECOND);

    const fixed = await harness({ OUTBOX_WORKER: { RETRY_BACKOFF: false, RETRY_BASE_DELAY: 7 } });
    const [b] = await fixed.publish(1);
    fixed.broker.failNext(2);
    const fixedWorker = new Worker(fixed.dispatch, { random: () => 1 });
    await fixedWorker.runOnce();
    expect(fixed.row(b as string).availableAt.getTime() - Date.now()).toBe(7 * SECOND);
    await vi.advanceTimersByTimeAsync(7 * SECOND);
    await fixedWorker.runOnce();
    expect(fixed.row(b as string).availableAt.getTime() - Date.now()).toBe(7 * SECOND);
  });

  it('MAX_RETRIES counts retries after the first attempt: 2 means 3 attempts, then failed with the last error', async () => {
    const h = await harness({ OUTBOX_WORKER: { MAX_RETRIES: 2, RETRY_BASE_DELAY: 1 } });
    const [id] = await h.publish(1);
    h.broker.failNext(10, { message: 'broker said no' });
    const failedHook = vi.fn();
    h.dispatch.hooks.on('failed', failedHook);
    const worker = new Worker(h.dispatch, { random: () => 0.5 });
    for (let n = 0; n < 3; n += 1) {
      await worker.runOnce();
      await vi.advanceTimersByTimeAsync(60 * SECOND);
    }
    const row = h.row(id as string);
    expect(row).toMatchObject({ status: 'failed', attempts: 3, lastError: 'broker said no' });
    expect(row.history.map((entry) => entry.error)).toEqual([
      'broker said no',
      'broker said no',
      'broker said no',
    ]);
    expectOutOfRetries(failedHook, h.logs, id as string, 'broker said no');
  });

  it("follows each event's own maxRetries", async () => {
    const h = await harness();
    const [id] = await h.publish(1, { maxRetries: 0 });
    h.broker.failNext(1);
    await new Worker(h.dispatch).runOnce();
    expect(h.row(id as string)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('fails a rejected event at once with its reason, using one attempt', async () => {
    const h = await harness();
    const [bad, good] = await h.publish(2);
    h.broker.rejectWhen((event) => event.id === bad, 'payload too large for the stream');
    const report = await new Worker(h.dispatch).runOnce();
    expect(report).toMatchObject({ published: 1, failed: 1, retried: 0 });
    expect(h.row(bad as string)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(h.row(bad as string).lastError).toContain('payload too large for the stream');
    expect(h.row(good as string).status).toBe('published');
  });

  it('fails without publishing an event whose last attempt never finished (crashed holder)', async () => {
    const h = await harness({ OUTBOX_WORKER: { MAX_RETRIES: 1 } });
    const [id] = await h.publish(1);
    // Two attempts used: the second worker claimed it and died mid-publish.
    for (let n = 0; n < 2; n += 1) {
      await h.dispatch.store.claim({ owner: `crashed-${n}`, limit: 1, leaseMs: 1000 });
      await vi.advanceTimersByTimeAsync(1001);
    }
    const report = await new Worker(h.dispatch).runOnce();
    expect(report.failed).toBe(1);
    expect(h.broker.count()).toBe(0);
    expect(h.row(id as string)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(h.row(id as string).lastError).toMatch(/never finished/);
  });

  it('retries (not fails) an event recovered from a crashed holder while attempts remain', async () => {
    const h = await harness();
    const [id] = await h.publish(1);
    await h.dispatch.store.claim({ owner: 'crashed', limit: 1, leaseMs: 1000 });
    await vi.advanceTimersByTimeAsync(1001);
    await new Worker(h.dispatch).runOnce();
    expect(h.row(id as string)).toMatchObject({ status: 'published', attempts: 2 });
  });
});

describe('outages', () => {
  it('pauses an unavailable backend, gives its events back without an attempt, keeps others flowing, logs once each way', async () => {
    const h = await harness({ publishers: ['default', 'audit'] });
    h.broker.setUnavailable();
    const stuck = await h.publish(3);
    const worker = new Worker(h.dispatch, { random: () => 0.5, probeBaseMs: 1000, probeMaxMs: 8000 });
    const first = await worker.runOnce();
    expect(first).toMatchObject({ claimed: 3, released: 3, retried: 0, failed: 0 });
    for (const id of stuck) expect(h.row(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(worker.backendStatus().default?.up).toBe(false);

    // Paused backends' events are not claimed; the others still flow.
    const audit = await h.publish(2, { publisher: 'audit' });
    // audit shares the broker, so make only the default stream unavailable from here on.
    h.broker.setUnavailable(false);
    h.broker.rejectWhen(() => false);
    const second = await worker.runOnce();
    expect(second).toMatchObject({ claimed: 2, published: 2 });
    for (const id of audit) expect(h.row(id).status).toBe('published');
    for (const id of stuck) expect(h.row(id).status).toBe('pending');

    // A long outage burns no attempts.
    h.broker.setUnavailable();
    await vi.advanceTimersByTimeAsync(10 * 60 * SECOND);
    for (const id of stuck) expect(h.row(id).attempts).toBe(0);
    h.broker.setUnavailable(false);
    await vi.advanceTimersByTimeAsync(8 * SECOND);
    expect(worker.backendStatus().default?.up).toBe(true);
    expect((await worker.runOnce()).published).toBe(3);
    for (const id of stuck) expect(h.row(id)).toMatchObject({ status: 'published', attempts: 1 });

    const outageLines = h.logs.filter((l) => l.level === 'warn' && /unavailable/.test(l.message));
    const recoveryLines = h.logs.filter((l) => l.level === 'info' && /is back/.test(l.message));
    expect(outageLines).toHaveLength(1);
    expect(recoveryLines).toHaveLength(1);
  });

  it('a running worker resumes by itself when the backend comes back', async () => {
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600 } });
    h.broker.setUnavailable();
    const ids = await h.publish(5);
    const worker = new Worker(h.dispatch, { random: () => 0.5, cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(30 * SECOND);
    expect(h.broker.count()).toBe(0);
    h.broker.setUnavailable(false);
    await vi.advanceTimersByTimeAsync(31 * SECOND);
    expect(h.broker.count()).toBe(5);
    for (const id of ids) expect(h.row(id).attempts).toBe(1);
    await worker.stop();
    await running;
  });
});

describe('unconfigured publisher', () => {
  it('holds events of a publisher this worker does not have, with one warning, neither failing nor retrying them', async () => {
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 1 } });
    const orphan = makeNewEvent({ publisher: 'removed-in-this-deploy' });
    h.db.apply([orphan]);
    const [ok] = await h.publish(1);
    const worker = new Worker(h.dispatch, { cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(5 * 60 * SECOND);
    await worker.stop();
    await running;
    expect(h.row(ok as string).status).toBe('published');
    expect(h.row(orphan.id)).toMatchObject({ status: 'pending', attempts: 0 });
    const warnings = h.logs.filter((l) => l.level === 'warn' && /removed-in-this-deploy/.test(l.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^events name publisher "removed-in-this-deploy"/);
    // The log field keeps its name, which log queries and alerts use.
    expect(warnings[0]?.fields).toMatchObject({ backend: 'removed-in-this-deploy' });
  });
});

describe('leases', () => {
  it('renews leases while a publish is in flight, so no other worker takes the events', async () => {
    const h = await harness({ OUTBOX_WORKER: { LEASE_TIME: 3 } });
    const [id] = await h.publish(1);
    const release = h.broker.hold();
    const worker = new Worker(h.dispatch);
    const once = worker.runOnce();
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    expect(h.row(id as string).lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await h.dispatch.store.claim({ owner: 'other', limit: 10, leaseMs: 3000 })).toEqual([]);
    release();
    expect((await once).published).toBe(1);
    expect(h.row(id as string)).toMatchObject({ status: 'published', attempts: 1 });
  });

  it('renews the leases of a batch claimed ahead while the current one publishes', async () => {
    const h = await harness({ OUTBOX_WORKER: { LEASE_TIME: 3, BATCH_SIZE: 10 } });
    await h.publish(20);
    const release = h.broker.hold();
    const worker = new Worker(h.dispatch, { cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(20 * SECOND);
    const rows = [...h.db.rows.values()];
    expect(rows.filter((row) => row.status === 'processing')).toHaveLength(20);
    for (const row of rows) expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.statuses()).toEqual({ published: 20 });
    for (const row of rows) expect(row.attempts).toBe(1);
    await worker.stop();
    await running;
  });

  it('never records an outcome for an event whose lease it lost', async () => {
    const h = await harness();
    const [id] = await h.publish(1);
    const release = h.broker.hold();
    const worker = new Worker(h.dispatch);
    const published = vi.fn();
    h.dispatch.hooks.on('published', published);
    const once = worker.runOnce();
    await vi.advanceTimersByTimeAsync(0);
    // Another worker took the event over (as after a stall past the lease).
    h.row(id as string).owner = 'usurper';
    release();
    const report = await once;
    expect(report).toMatchObject({ published: 0, lost: 1 });
    expect(h.row(id as string).status).toBe('processing');
    expect(published).not.toHaveBeenCalled();
  });

  it('keeps trying to record outcomes while the store is down, and records them when it is back', async () => {
    const h = await harness();
    const ids = await h.publish(3);
    const record = h.dispatch.store.record.bind(h.dispatch.store);
    let down = true;
    vi.spyOn(h.dispatch.store, 'record').mockImplementation(async (owner, outcomes) => {
      if (down) throw new Error('connection refused');
      return record(owner, outcomes);
    });
    const once = new Worker(h.dispatch).runOnce();
    // A restart of the database of about ten seconds.
    await vi.advanceTimersByTimeAsync(10 * SECOND);
    for (const id of ids) expect(h.row(id).status).toBe('processing');
    down = false;
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(await once).toMatchObject({ published: 3, lost: 0 });
    expect(h.statuses()).toEqual({ published: 3 });
    const above = h.logs.filter((line) => line.level !== 'debug');
    expect(above.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: 'warn', message: 'cannot record outcomes; retrying while the leases last' },
      { level: 'info', message: 'recorded the outcomes after retrying' },
    ]);
  });

  it('gives up recording after LEASE_TIME, leaving the events to lapse to another worker', async () => {
    const h = await harness({ OUTBOX_WORKER: { LEASE_TIME: 20 } });
    const [id] = await h.publish(1);
    const record = vi.spyOn(h.dispatch.store, 'record').mockRejectedValue(new Error('connection refused'));
    const once = new Worker(h.dispatch).runOnce();
    // Still trying well into the lease (the last wait, at most 2 s, must end within it).
    await vi.advanceTimersByTimeAsync(17 * SECOND);
    expect(h.logs.filter((line) => line.level === 'error')).toEqual([]);
    await vi.advanceTimersByTimeAsync(4 * SECOND);
    expect(await once).toMatchObject({ claimed: 1, published: 0 });
    expect(record.mock.calls.length).toBeGreaterThan(10);
    expect(h.row(id as string).status).toBe('processing');
    expect(h.logs.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'cannot record outcomes; the events stay leased until their lease expires, then are tried again',
    ]);
  });
});

describe('the loop', () => {
  it('goes again at once after a full batch, and sleeps SLEEP_TIME only when idle', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10, SLEEP_TIME: 5 } });
    await h.publish(35);
    const worker = new Worker(h.dispatch, { wakeUps: false, cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(35);
    h.db.apply([makeNewEvent()]);
    await vi.advanceTimersByTimeAsync(4 * SECOND);
    expect(h.broker.count()).toBe(35);
    await vi.advanceTimersByTimeAsync(1 * SECOND);
    expect(h.broker.count()).toBe(36);
    await worker.stop();
    await running;
  });

  it('overlaps the next claim with the current publish', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10 } });
    await h.publish(30);
    const { release, stop } = await runWithPublishesHeld(h);
    // One batch publishing, the next already claimed; never more than CONCURRENCY publishing.
    expect(h.statuses()).toEqual({ processing: 20, pending: 10 });
    expect(h.broker.held).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(30);
    await stop();
  });

  it('records a batch while the next one publishes, with at most one batch recording per CONCURRENCY', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10 } });
    await h.publish(40);
    const record = h.dispatch.store.record.bind(h.dispatch.store);
    let releaseRecords!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseRecords = resolve;
    });
    vi.spyOn(h.dispatch.store, 'record').mockImplementation(async (owner, outcomes) => {
      await gate;
      return record(owner, outcomes);
    });
    const worker = new Worker(h.dispatch, { cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(0);
    // Batch 1 waits to be recorded, batch 2 published meanwhile, batch 3 claimed but held back.
    expect(h.broker.count()).toBe(20);
    expect(h.statuses()).toEqual({ processing: 30, pending: 10 });
    releaseRecords();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.statuses()).toEqual({ published: 40 });
    await worker.stop();
    await running;
  });

  it('publishes up to CONCURRENCY batches at once', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 5, CONCURRENCY: 3 } });
    await h.publish(40);
    const { release, stop } = await runWithPublishesHeld(h);
    expect(h.broker.held).toBe(3);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(40);
    await stop();
  });

  it('wakes early when a publisher in this process commits', async () => {
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600 } });
    const worker = new Worker(h.dispatch, { cleanup: false });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(10);
    await h.publish(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(1);
    await worker.stop();
    await running;
  });

  it('wakes early when the store signals a commit from elsewhere, and not when wake-ups are off', async () => {
    const on = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600 } });
    const off = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600 } });
    const workers = [
      new Worker(on.dispatch, { cleanup: false }),
      new Worker(off.dispatch, { cleanup: false, wakeUps: false }),
    ];
    const runs = workers.map((w) => w.run());
    await vi.advanceTimersByTimeAsync(10);
    on.db.apply([makeNewEvent()]);
    off.db.apply([makeNewEvent()]);
    await vi.advanceTimersByTimeAsync(0);
    expect(on.broker.count()).toBe(1);
    expect(off.broker.count()).toBe(0);
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(runs);
  });

  it('keeps trying to subscribe when the store refused at start, warning once', async () => {
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 3600 } });
    const { store } = h.dispatch;
    let refusals = 2;
    const flaky = {
      ...h.dispatch,
      store: {
        ...store,
        subscribe: (listener: () => void) =>
          refusals-- > 0 ? Promise.reject(new Error('connect ECONNREFUSED')) : store.subscribe(listener),
      },
    };
    const worker = new Worker(flaky, { cleanup: false, statsInterval: 0 });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(10);
    h.db.apply([makeNewEvent()]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(0); // not subscribed yet, and SLEEP_TIME is an hour
    await vi.advanceTimersByTimeAsync(20 * SECOND); // two more tries; the second succeeds
    h.db.apply([makeNewEvent()]);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.broker.count()).toBe(2);
    expect(h.logs.filter((line) => line.message.includes('cannot subscribe'))).toHaveLength(1);
    await worker.stop();
    await running;
  });

  it('stops after maxIterations claim cycles, empty ones included', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 2, SLEEP_TIME: 1 } });
    await h.publish(5);
    const worker = new Worker(h.dispatch, { maxIterations: 2, cleanup: false });
    await worker.run();
    expect(h.broker.count()).toBe(4);
    expect(worker.state).toBe('stopped');
    const idle = new Worker(h.dispatch, { maxIterations: 3, cleanup: false, wakeUps: false });
    const running = idle.run();
    await vi.advanceTimersByTimeAsync(5 * SECOND);
    await running;
    expect(h.broker.count()).toBe(5);
  });

  it('four workers over one store publish every event exactly once', async () => {
    vi.useRealTimers();
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 50, SLEEP_TIME: 0.01 } });
    const ids = new Set(await h.publish(2000));
    const workers = Array.from({ length: 4 }, () => new Worker(h.dispatch, { cleanup: false }));
    const runs = workers.map((w) => w.run());
    await h.broker.waitForCount(2000, 10_000);
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(runs);
    expect(h.broker.count()).toBe(2000);
    expect(h.broker.duplicates().size).toBe(0);
    expect(new Set(h.broker.entries().map((e) => e.fields.event_id))).toEqual(ids);
    expect(h.statuses()).toEqual({ published: 2000 });
  });
});

describe('ordering keys', () => {
  const streamIds = (h: Harness, stream?: string) => h.broker.entries(stream).map((e) => e.fields.event_id);

  /**
   * The dispatch as claimed, or behind a store that claims at most 60 % of what is asked, as a SQL
   * store's batch comes back when it cuts key runs (rows another claimer holds): not full,
   * although the rest of the run is due at once.
   */
  const stores = {
    'as the store claims them': (dispatch: Dispatch) => dispatch,
    'with batches trimmed by the store': (dispatch: Dispatch) => ({
      ...dispatch,
      store: {
        ...dispatch.store,
        claim: (request: ClaimRequest) =>
          dispatch.store.claim({ ...request, limit: Math.ceil(request.limit * 0.6) }),
      },
    }),
  };

  it.each(Object.entries(stores))(
    'drains a hot key of 1000 events batch after batch, in write order, without sleeping (%s)',
    async (_, store) => {
      vi.useRealTimers();
      const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 100, SLEEP_TIME: 5 } });
      const ids = await h.publish(1000, { key: 'hot' });
      const worker = new Worker(store(h.dispatch), { cleanup: false, wakeUps: false, statsInterval: 0 });
      const started = Date.now();
      const running = worker.run();
      // Under one SLEEP_TIME: a single sleep between batches would miss it.
      await h.broker.waitForCount(1000, { stream: 'default', timeoutMs: 4 * SECOND });
      const elapsed = Date.now() - started;
      await worker.stop();
      await running;
      expect(elapsed).toBeLessThan(2.5 * SECOND);
      expect(streamIds(h)).toEqual(ids);
      expect(h.statuses()).toEqual({ published: 1000 });
      for (const id of ids) expect(h.row(id).attempts).toBe(1);
    },
  );

  it.each(Object.entries(stores))(
    'drains 500 events on 5 keys in write order per key, without sleeping (%s)',
    async (_, store) => {
      vi.useRealTimers();
      const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 30, SLEEP_TIME: 5 } });
      const written = new Map<string, string[]>();
      for (let n = 0; n < 500; n += 1) {
        const key = `order-${n % 5}`;
        const [id] = await h.publish(1, { key });
        written.set(key, [...(written.get(key) ?? []), id as string]);
      }
      const worker = new Worker(store(h.dispatch), { cleanup: false, wakeUps: false, statsInterval: 0 });
      const running = worker.run();
      await h.broker.waitForCount(500, { stream: 'default', timeoutMs: 4 * SECOND });
      await worker.stop();
      await running;
      const entries = h.broker.entries('default');
      for (const [key, ids] of written) {
        expect(entries.filter((e) => e.fields.key === key).map((e) => e.fields.event_id)).toEqual(ids);
      }
      expect(h.statuses()).toEqual({ published: 500 });
    },
  );

  it('sends a backend that may reorder a batch one event of each key per call, keeping key order', async () => {
    // A backend that writes each batch back to front, and says so.
    const written: { id: string; key: string | null }[] = [];
    const calls: number[] = [];
    const reversing = defineBackend({
      type: 'reversing',
      capabilities: { preservesBatchOrder: false },
      create: () => ({
        publish: async (events) => {
          calls.push(events.length);
          for (const event of [...events].reverse()) written.push({ id: event.id, key: event.key });
          return events.map((event) => published(event.id));
        },
        health: async () => ({ ok: true }),
        close: async () => {},
      }),
    });
    const h = await harness({ OUTBOX_PUBLISHERS: { default: { BACKEND: reversing } } });
    const order: Record<string, string[]> = { a: [], b: [] };
    for (let n = 0; n < 6; n += 1) {
      const key = n % 2 === 0 ? 'a' : 'b';
      order[key]?.push(...(await h.publish(1, { key })));
    }
    const unkeyed = await h.publish(2);
    await new Worker(h.dispatch, { cleanup: false }).runOnce();
    expect(h.statuses()).toEqual({ published: 8 });
    // Three waves: the first event of a and b with the unkeyed ones, then the second, then the third.
    expect(calls).toEqual([4, 2, 2]);
    for (const key of ['a', 'b']) {
      expect(written.filter((w) => w.key === key).map((w) => w.id)).toEqual(order[key]);
    }
    expect(
      written
        .filter((w) => w.key === null)
        .map((w) => w.id)
        .sort(),
    ).toEqual([...unkeyed].sort());
  });

  it('gives back the continuation of a key claimed ahead when the batch before it failed on that key', async () => {
    vi.useRealTimers();
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10, SLEEP_TIME: 0.1, RETRY_BASE_DELAY: 0.05 } });
    const ids = (await h.publish(40, { key: 'k' })) as string[];
    // Events 15-20 (the second batch, from its fifth on) fail once, as a backend that stops a key
    // at its first failure reports them; the third batch, claimed ahead as the continuation of the
    // key while the second publishes, must not go out before them.
    const failing = new Set(ids.slice(14, 20));
    h.broker.failNext(failing.size, { match: (event) => failing.has(event.id) });
    const claims: { limit: number; continueRuns: boolean | undefined; got: number }[] = [];
    const dispatch = {
      ...h.dispatch,
      store: {
        ...h.dispatch.store,
        claim: async (request: ClaimRequest) => {
          const got = await h.dispatch.store.claim(request);
          claims.push({ limit: request.limit, continueRuns: request.continueRuns, got: got.length });
          return got;
        },
      },
    };
    const worker = new Worker(dispatch, {
      cleanup: false,
      wakeUps: false,
      statsInterval: 0,
      random: () => 0.5,
    });
    const running = worker.run();
    await h.broker.waitForCount(40, { stream: 'default', timeoutMs: 4 * SECOND });
    await worker.stop();
    await running;
    expect(claims[0]?.continueRuns).toBe(true);
    // A claim made while the key was held by this worker came back with its continuation.
    expect(claims.slice(0, 3).map((claim) => claim.got)).toEqual([10, 10, 10]);
    expect(streamIds(h)).toEqual(ids);
    expect(h.statuses()).toEqual({ published: 40 });
    // Only the first failure of the run used an attempt; the rest of it was given back unused.
    for (const id of ids) expect(h.row(id).attempts).toBe(id === ids[14] ? 2 : 1);
  });

  it("stops a key's run at a retryable failure: the rest is released unused and follows the retry in order", async () => {
    const h = await harness();
    const ids = await h.publish(5, { key: 'k' });
    const [first, second, ...rest] = ids as [string, string, ...string[]];
    // The 2nd fails once; the 3rd-5th fail with it, as a backend that stops a key at its first
    // failure reports them (the memory broker would write them: see the next test).
    h.broker.failNext(4, { match: (event) => event.id !== first });
    const worker = new Worker(h.dispatch, { random: () => 0.5 });
    expect(await worker.runOnce()).toEqual({
      claimed: 5,
      published: 1,
      retried: 1,
      failed: 0,
      released: 3,
      lost: 0,
    });
    expect(h.row(first)).toMatchObject({ status: 'published', attempts: 1 });
    expect(h.row(second)).toMatchObject({ status: 'retry', attempts: 1 });
    for (const id of rest) expect(h.row(id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(streamIds(h)).toEqual([first]);
    // The key waits for the retry of its failed event.
    expect((await worker.runOnce()).claimed).toBe(0);
    await vi.advanceTimersByTimeAsync(5 * SECOND);
    expect(await worker.runOnce()).toMatchObject({ claimed: 4, published: 4 });
    expect(streamIds(h)).toEqual(ids);
    expect(h.row(second).attempts).toBe(2);
    for (const id of rest) expect(h.row(id).attempts).toBe(1);
  });

  it('records as published a later event the backend wrote after an earlier one failed, with one warning', async () => {
    const h = await harness();
    const ids = await h.publish(4, { key: 'k' });
    const [first, second, third, fourth] = ids as [string, string, string, string];
    // The memory broker does not stop a key at its first failure; a backend should.
    h.broker.failNext(1, { match: (event) => event.id === first });
    h.broker.failNext(1, { match: (event) => event.id === third });
    const report = await new Worker(h.dispatch, { random: () => 0.5 }).runOnce();
    expect(report).toMatchObject({ published: 2, retried: 1, released: 1 });
    expect(h.row(first).status).toBe('retry');
    expect(h.row(second).status).toBe('published');
    expect(h.row(third)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.row(fourth).status).toBe('published');
    const warnings = h.logs.filter((l) => l.level === 'warn' && /did not stop key "k"/.test(l.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(first);
    expect(warnings[0]?.message).toContain(second);
  });

  it("after a rejected event, keeps the key's later publishes without a warning and releases later failures", async () => {
    const h = await harness();
    const [bad, good, flaky] = (await h.publish(3, { key: 'k' })) as [string, string, string];
    h.broker.rejectWhen((event) => event.id === bad);
    h.broker.failNext(1, { match: (event) => event.id === flaky });
    const report = await new Worker(h.dispatch).runOnce();
    expect(report).toMatchObject({ published: 1, failed: 1, released: 1, retried: 0 });
    expect(h.row(bad).status).toBe('failed');
    expect(h.row(good).status).toBe('published');
    expect(h.row(flaky)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.logs.filter((l) => /did not stop key/.test(l.message))).toEqual([]);
  });

  it('holds back the rest of a key behind an event of an unconfigured backend', async () => {
    const h = await harness();
    const orphan = makeNewEvent({ publisher: 'removed-in-this-deploy', key: 'k' });
    h.db.apply([orphan]);
    const held = await h.publish(2, { key: 'k' });
    const [free] = await h.publish(1);
    // A store that ignores the claim's backend filter hands this worker the orphan too.
    const { store } = h.dispatch;
    const unfiltered = {
      ...h.dispatch,
      store: { ...store, claim: (request: ClaimRequest) => store.claim({ ...request, backends: undefined }) },
    };
    const report = await new Worker(unfiltered, { holdDelayMs: 60 * SECOND }).runOnce();
    expect(report).toMatchObject({ claimed: 4, published: 1, released: 3 });
    expect(streamIds(h)).toEqual([free]);
    expect(h.row(orphan.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.row(orphan.id).availableAt.getTime()).toBe(Date.now() + 60 * SECOND);
    for (const id of held) expect(h.row(id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('holds back the rest of a key behind an event of a backend paused after the claim', async () => {
    const h = await harness({ publishers: ['default', 'audit'], OUTBOX_WORKER: { BATCH_SIZE: 2 } });
    // The first batch pauses audit while the second, claimed ahead, waits to publish.
    await h.publish(2, { publisher: 'audit' });
    const [onAudit] = (await h.publish(1, { publisher: 'audit', key: 'k' })) as [string];
    const [onDefault] = (await h.publish(1, { key: 'k' })) as [string];
    h.broker.failNext(2, { failure: 'unavailable', match: (event) => event.publisher === 'audit' });
    const worker = new Worker(h.dispatch, {
      cleanup: false,
      wakeUps: false,
      random: () => 0.5,
      probeBaseMs: 1000,
    });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.backendStatus().audit?.up).toBe(false);
    expect(h.broker.count()).toBe(0);
    expect(h.row(onAudit)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.row(onDefault)).toMatchObject({ status: 'pending', attempts: 0 });
    // Once audit is back the key goes out in order, one backend at a time.
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(h.statuses()).toEqual({ published: 4 });
    const order = h.broker.entries().map((e) => e.fields.event_id);
    expect(order.indexOf(onAudit)).toBeLessThan(order.indexOf(onDefault));
    await worker.stop();
    await running;
  });

  it("does not split a key's run over two backends published in parallel", async () => {
    const h = await harness({ publishers: ['default', 'audit'] });
    const [a] = await h.publish(1, { key: 'k' });
    const [b] = await h.publish(1, { key: 'k', publisher: 'audit' });
    const [c] = await h.publish(1, { key: 'k' });
    const worker = new Worker(h.dispatch);
    expect(await worker.runOnce()).toMatchObject({ claimed: 3, published: 1, released: 2 });
    expect(await worker.runOnce()).toMatchObject({ claimed: 2, published: 1, released: 1 });
    expect(await worker.runOnce()).toMatchObject({ claimed: 1, published: 1 });
    expect(h.broker.entries().map((e) => e.fields.event_id)).toEqual([a, b, c]);
    for (const id of [a, b, c] as string[]) expect(h.row(id).attempts).toBe(1);
  });

  it('claims again at once when a claim made during a batch comes back empty after the batch finished', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 100, SLEEP_TIME: 5 } });
    const ids = await h.publish(300, { key: 'hot' });
    // The claim reads the store at once but answers 10 ms later, after the batch it overlapped
    // was recorded: it found the key leased, yet the rest of the run is due by now.
    const claim = h.dispatch.store.claim.bind(h.dispatch.store);
    vi.spyOn(h.dispatch.store, 'claim').mockImplementation(async (request) => {
      const events = await claim(request);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return events;
    });
    const worker = new Worker(h.dispatch, { cleanup: false, wakeUps: false, statsInterval: 0 });
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(SECOND);
    expect(streamIds(h)).toEqual(ids);
    await worker.stop();
    await running;
  });

  it('sleeps on an idle store, after unkeyed and keyed batches alike, instead of claiming in a loop', async () => {
    vi.useRealTimers();
    const h = await harness({ OUTBOX_WORKER: { SLEEP_TIME: 0.2 } });
    const claim = h.dispatch.store.claim.bind(h.dispatch.store);
    // Each claim yields to the event loop, so a spinning worker shows as a count, not a hang.
    const claims = vi.spyOn(h.dispatch.store, 'claim').mockImplementation(async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return claim(request);
    });
    const worker = new Worker(h.dispatch, { cleanup: false, wakeUps: false, statsInterval: 0 });
    const running = worker.run();
    await sleep(SECOND);
    const idle = claims.mock.calls.length;
    expect(idle).toBeGreaterThanOrEqual(3);
    expect(idle).toBeLessThanOrEqual(7);
    // A keyed batch: claim again at once, wait for it, claim once more, then sleep again.
    h.db.apply([makeNewEvent({ key: 'k' }), makeNewEvent()]);
    await sleep(SECOND);
    expect(h.broker.count()).toBe(2);
    expect(claims.mock.calls.length - idle).toBeLessThanOrEqual(10);
    await worker.stop();
    await running;
  });
});

describe('shutdown', () => {
  it('lets the publish in flight finish, releases the claimed-but-unstarted batch, leaves nothing processing', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10 } });
    await h.publish(25);
    const { release, worker, running } = await runWithPublishesHeld(h);
    expect(h.statuses()).toEqual({ processing: 20, pending: 5 });
    const stopping = worker.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.state).toBe('stopping');
    release();
    await stopping;
    await running;
    expect(h.statuses()).toEqual({ published: 10, pending: 15 });
    for (const row of h.db.rows.values()) if (row.status === 'pending') expect(row.attempts).toBe(0);
  });

  it('gives up waiting after SHUTDOWN_TIMEOUT; the lease then lets another worker finish the events', async () => {
    const h = await harness({ OUTBOX_WORKER: { SHUTDOWN_TIMEOUT: 2, LEASE_TIME: 5 } });
    await h.publish(3);
    const { release, worker, running } = await runWithPublishesHeld(h);
    const stopping = worker.stop();
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    await stopping;
    await running;
    expect(h.logs.some((l) => l.level === 'warn' && /shutdown timeout/.test(l.message))).toBe(true);
    await vi.advanceTimersByTimeAsync(6 * SECOND);
    release();
    const next = new Worker(h.dispatch, { cleanup: false });
    expect((await next.runOnce()).published).toBe(3);
    expect(h.statuses()).toEqual({ published: 3 });
  });

  it('stops within SHUTDOWN_TIMEOUT when the store cannot take the release of the claimed batch', async () => {
    const h = await harness({ OUTBOX_WORKER: { BATCH_SIZE: 10, SHUTDOWN_TIMEOUT: 3, LEASE_TIME: 60 } });
    await h.publish(25);
    const { release, worker, running } = await runWithPublishesHeld(h);
    expect(h.statuses()).toEqual({ processing: 20, pending: 5 });
    vi.spyOn(h.dispatch.store, 'record').mockRejectedValue(new Error('connection refused'));
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(2 * SECOND);
    expect(stopped).toBe(true);
    await stopping;
    await running;
    release();
    // Nothing was recorded; the leases lapse and the events go to the next worker.
    expect(h.statuses()).toEqual({ processing: 20, pending: 5 });
  });
});

describe('retention', () => {
  it('deletes old published and failed events in bounded batches, on CLEANUP_INTERVAL', async () => {
    const h = await harness({
      OUTBOX_RETENTION: {
        PUBLISHED_RETENTION_DAYS: 1,
        FAILED_RETENTION_DAYS: 2,
        CLEANUP_INTERVAL: 3600,
        CLEANUP_BATCH_SIZE: 2,
      },
      OUTBOX_WORKER: { SLEEP_TIME: 3600 },
    });
    const ids = await h.publish(5);
    h.broker.rejectWhen((event) => event.id === ids[0]);
    const worker = new Worker(h.dispatch, { statsInterval: 0 });
    await worker.runOnce();
    const cleanup = vi.spyOn(h.dispatch.store, 'cleanup');
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(25 * 3600 * SECOND);
    expect(h.statuses()).toEqual({ failed: 1 });
    expect(cleanup.mock.calls.every(([request]) => request.limit === 2)).toBe(true);
    await vi.advanceTimersByTimeAsync(24 * 3600 * SECOND);
    expect(h.statuses()).toEqual({});
    await worker.stop();
    await running;
  });

  it('keeps published events when CLEANUP_PUBLISHED is false', async () => {
    const h = await harness({ OUTBOX_RETENTION: { CLEANUP_PUBLISHED: false, PUBLISHED_RETENTION_DAYS: 0 } });
    await h.publish(2);
    const worker = new Worker(h.dispatch);
    await worker.runOnce();
    const running = worker.run();
    await vi.advanceTimersByTimeAsync(2 * 3600 * SECOND);
    await worker.stop();
    await running;
    expect(h.statuses()).toEqual({ published: 2 });
  });
});

describe('metrics', () => {
  it('counts outcomes per backend and type and renders Prometheus text without event data', async () => {
    const h = await harness();
    const [bad] = await h.publish(3, { data: { secret: 'do-not-leak' } });
    h.broker.rejectWhen((event) => event.id === bad);
    const worker = new Worker(h.dispatch);
    await worker.runOnce();
    expect(
      worker.metrics.value('dispatch_events_published_total', {
        backend: 'default',
        event_type: 'order.created',
      }),
    ).toBe(2);
    const text = worker.metrics.prometheus();
    expect(text).toContain('dispatch_events_published_total{backend="default",event_type="order.created"} 2');
    expect(text).toContain(
      'dispatch_events_failed_total{backend="default",event_type="order.created",reason="rejected"} 1',
    );
    expect(text).toContain('dispatch_batch_size_count 1');
    expect(text).toMatch(/dispatch_backend_up\{backend="default"\} 1/);
    expect(text).not.toContain('do-not-leak');
    expect(text).not.toContain(bad);
  });
});
