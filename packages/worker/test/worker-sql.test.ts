import type { Dispatch, OutboxStore } from '@dispatch/core';
import { sleep } from '@dispatch/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Worker, type WorkerOptions } from '../src/index.js';
import { expectOutOfRetries } from './helpers.js';
import { type Scene, STORE_KINDS, Stage, type StoreKind, until } from './worker-stores.js';

/**
 * The worker's behaviour on the memory store and on PostgreSQL alike, with real timers and short
 * settings: every observation goes through the store's public API, so each assertion must hold on
 * both. Needs the PostgreSQL test server (see the environment notes).
 */
describe.each(STORE_KINDS)('the worker on $name', (kind: StoreKind) => {
  let stage: Stage;
  const workers: Worker[] = [];

  /** A worker that is stopped after the test even if the test failed; jitter off, no cleanup unless asked. */
  const worker = (
    dispatch: Pick<Dispatch, 'config' | 'store' | 'backends' | 'hooks' | 'logger'>,
    options: WorkerOptions = {},
  ) => {
    const created = new Worker(dispatch, { random: () => 0.5, cleanup: false, statsInterval: 0, ...options });
    workers.push(created);
    return created;
  };
  /** Run a worker without wake-ups until `count` events are in the stream and recorded published, then stop it. */
  const drain = async (scene: Scene, count: number, timeoutMs: number) => {
    const drainer = worker(scene.dispatch, { wakeUps: false });
    const running = drainer.run();
    await scene.broker.waitForCount(count, { stream: 'default', timeoutMs });
    await until(
      'the events recorded',
      () => scene.counts(),
      (counts) => counts.published === count,
    );
    await drainer.stop();
    await running;
  };
  const streamIds = (scene: Scene, stream = 'default') =>
    scene.broker.entries(stream).map((entry) => entry.fields.event_id);
  /** `dispatch` with some of its store's calls replaced, as a worker would see a misbehaving store. */
  const withStore = (dispatch: Dispatch, store: Partial<OutboxStore>) => ({
    ...dispatch,
    store: { ...dispatch.store, ...store },
  });

  beforeEach(async () => {
    stage = await Stage.create(kind);
  });

  afterEach(async () => {
    await Promise.allSettled(workers.splice(0).map((each) => each.stop()));
    await stage.close();
  });

  describe('publishing and failures', () => {
    it('publishes, records published with one attempt and emits the published hook', async () => {
      const h = await stage.scene();
      const ids = await h.publish(3);
      const seen: string[] = [];
      h.dispatch.hooks.on('published', (event) => {
        seen.push(event.id);
      });
      const report = await worker(h.dispatch).runOnce();
      expect(report).toEqual({ claimed: 3, published: 3, retried: 0, failed: 0, released: 0, lost: 0 });
      expect(streamIds(h)).toEqual(ids);
      expect(await h.counts()).toEqual({ published: 3 });
      for (const id of ids) {
        const event = await h.get(id);
        expect(event).toMatchObject({ status: 'published', attempts: 1, lastError: null });
        expect(event.publishedAt).toBeInstanceOf(Date);
      }
      await until(
        'the published hooks',
        () => seen.length,
        (n) => n === 3,
      );
      expect(seen).toEqual(ids);
    });

    it('retries a retryable failure on the exponential schedule, keeping a history, then publishes', async () => {
      const h = await stage.scene({ OUTBOX_WORKER: { SLEEP_TIME: 0.02, RETRY_BASE_DELAY: 0.1 } });
      const [id] = (await h.publish(1)) as [string];
      h.broker.failNext(3);
      const running = worker(h.dispatch).run();
      await until(
        'the event published',
        () => h.get(id),
        (event) => event.status === 'published',
      );
      const event = await h.get(id);
      expect(event).toMatchObject({
        status: 'published',
        attempts: 4,
        lastError: 'injected retryable failure',
      });
      expect(event.history.map((entry) => entry.error)).toEqual(Array(3).fill('injected retryable failure'));
      // Each attempt came no earlier than its delay after the failure before (store clock; 5 ms for rounding).
      const at = event.history.map((entry) => Date.parse(entry.at));
      at.push((event.publishedAt as Date).getTime());
      for (let n = 1; n < at.length; n += 1) {
        const delay = 100 * 2 ** (n - 1);
        expect((at[n] as number) - (at[n - 1] as number), `after failure ${n}`).toBeGreaterThanOrEqual(
          delay - 5,
        );
      }
      expect(streamIds(h)).toEqual([id]);
      await workers[0]?.stop();
      await running;
    });

    it('MAX_RETRIES exhausted: failed with the last error after 1 + MAX_RETRIES attempts', async () => {
      const h = await stage.scene({
        OUTBOX_WORKER: { SLEEP_TIME: 0.02, MAX_RETRIES: 2, RETRY_BASE_DELAY: 0.02 },
      });
      const [id] = (await h.publish(1)) as [string];
      h.broker.failNext(10, { message: 'broker said no' });
      const failedHook = vi.fn();
      h.dispatch.hooks.on('failed', failedHook);
      const running = worker(h.dispatch).run();
      await until(
        'the event failed',
        () => h.get(id),
        (event) => event.status === 'failed',
      );
      const event = await h.get(id);
      expect(event).toMatchObject({ status: 'failed', attempts: 3, lastError: 'broker said no' });
      expect(event.history.map((entry) => entry.error)).toEqual(Array(3).fill('broker said no'));
      await until(
        'the failed hook',
        () => failedHook.mock.calls.length,
        (n) => n >= 1,
      );
      expectOutOfRetries(failedHook, h.logs, id, 'broker said no');
      // Nothing more is tried.
      await sleep(100);
      expect(await h.get(id)).toMatchObject({ status: 'failed', attempts: 3 });
      expect(h.broker.count()).toBe(0);
      await workers[0]?.stop();
      await running;
    });

    it('fails a rejected event at once with its reason, using one attempt', async () => {
      const h = await stage.scene();
      const [bad, good] = (await h.publish(2)) as [string, string];
      h.broker.rejectWhen((event) => event.id === bad, 'payload too large for the stream');
      const report = await worker(h.dispatch).runOnce();
      expect(report).toMatchObject({ claimed: 2, published: 1, failed: 1, retried: 0 });
      const failed = await h.get(bad);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
      expect(failed.lastError).toContain('payload too large for the stream');
      expect(await h.get(good)).toMatchObject({ status: 'published', attempts: 1 });
      expect(streamIds(h)).toEqual([good]);
    });
  });

  describe('outages and leases', () => {
    it('gives events back without using an attempt while the backend is unavailable, and resumes when it is back', async () => {
      const h = await stage.scene({ OUTBOX_WORKER: { SLEEP_TIME: 0.05 } });
      h.broker.setUnavailable();
      const ids = await h.publish(3);
      const w = worker(h.dispatch, { probeBaseMs: 50, probeMaxMs: 100 });
      const running = w.run();
      await until(
        'the backend paused',
        () => w.backendStatus().default?.up,
        (up) => up === false,
      );
      await until(
        'the events given back',
        () => h.counts(),
        (counts) => counts.pending === 3,
      );
      // Several probes and idle cycles later, still no attempt used.
      await sleep(300);
      expect(await h.counts()).toEqual({ pending: 3 });
      for (const id of ids) expect(await h.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(h.broker.count()).toBe(0);

      h.broker.setUnavailable(false);
      await h.broker.waitForCount(3, 5000);
      await until(
        'the events recorded',
        () => h.counts(),
        (counts) => counts.published === 3,
      );
      for (const id of ids) expect(await h.get(id)).toMatchObject({ status: 'published', attempts: 1 });
      expect(streamIds(h)).toEqual(ids);
      expect(w.backendStatus().default?.up).toBe(true);
      expect(h.logs.filter((l) => l.level === 'warn' && /unavailable/.test(l.message))).toHaveLength(1);
      expect(h.logs.filter((l) => l.level === 'info' && /is back/.test(l.message))).toHaveLength(1);
      await w.stop();
      await running;
    });

    it('never records over an event whose lease it lost to another worker', async () => {
      // A worker that stalls: its publish hangs and its lease renewals fail, so the lease runs out.
      const stalled = await stage.scene({ OUTBOX_WORKER: { LEASE_TIME: 1 } });
      const other = await stage.scene();
      const [id] = (await stalled.publish(1)) as [string];
      const release = stalled.broker.hold();
      // Had the outcome been written it would be a failure, not the other worker's publish.
      stalled.broker.rejectWhen(() => true, 'too late');
      const failedHook = vi.fn();
      stalled.dispatch.hooks.on('failed', failedHook);
      const stalledWorker = worker(
        withStore(stalled.dispatch, {
          renew: async () => {
            throw new Error('connection stalled');
          },
        }),
      );
      const once = stalledWorker.runOnce();
      await until(
        'the publish in flight',
        () => stalled.broker.held,
        (held) => held === 1,
      );

      // Once the lease has run out, the other worker takes the event over and publishes it.
      const otherWorker = worker(other.dispatch);
      const taken = await until(
        'the event taken over',
        () => otherWorker.runOnce(),
        (report) => report.claimed > 0,
      );
      expect(taken).toMatchObject({ claimed: 1, published: 1, lost: 0 });
      expect(await other.get(id)).toMatchObject({ status: 'published', attempts: 2, lastError: null });

      release();
      expect(await once).toMatchObject({ claimed: 1, published: 0, failed: 0, lost: 1 });
      expect(await stalled.get(id)).toMatchObject({ status: 'published', attempts: 2, lastError: null });
      expect((await stalled.get(id)).history).toEqual([]);
      expect(streamIds(other)).toEqual([id]);
      await sleep(50);
      expect(failedHook).not.toHaveBeenCalled();
    });
  });

  describe('ordering keys', () => {
    it('drains a hot key of 300 events batch after batch, in write order, without sleeping', async () => {
      const h = await stage.scene({ OUTBOX_WORKER: { BATCH_SIZE: 100, SLEEP_TIME: 5 } });
      const ids = await h.publish(300, { key: 'hot' });
      // Under one SLEEP_TIME: a single sleep between batches would miss it.
      await drain(h, 300, 4500);
      expect(streamIds(h)).toEqual(ids);
      expect(await h.counts()).toEqual({ published: 300 });
      for (const event of await h.events()) expect(event.attempts).toBe(1);
    });

    it('drains several interleaved keys in write order per key, without sleeping', async () => {
      const h = await stage.scene({ OUTBOX_WORKER: { BATCH_SIZE: 30, SLEEP_TIME: 5 } });
      const keys = Array.from({ length: 300 }, (_, n) => `order-${n % 5}`);
      const ids = (
        await h.dispatch.publisher.publishEvents(
          keys.map((key, n) => ({ eventType: 'order.created', source: 'shop', data: { n }, key })),
        )
      ).map((event) => event.id);
      await drain(h, 300, 4500);
      const entries = h.broker.entries('default');
      for (const key of new Set(keys)) {
        const written = ids.filter((_, n) => keys[n] === key);
        expect(entries.filter((e) => e.fields.key === key).map((e) => e.fields.event_id)).toEqual(written);
      }
      expect(h.broker.duplicates().size).toBe(0);
    });

    it("holds the rest of a key's run back behind a retryable failure; it follows the retry in order", async () => {
      const h = await stage.scene({ OUTBOX_WORKER: { RETRY_BASE_DELAY: 1 } });
      const ids = await h.publish(5, { key: 'k' });
      const [first, second, ...rest] = ids as [string, string, ...string[]];
      // The 2nd fails once; the 3rd-5th fail with it, as a backend that stops a key at its first failure reports them.
      h.broker.failNext(4, { match: (event) => event.id !== first });
      const w = worker(h.dispatch);
      expect(await w.runOnce()).toEqual({
        claimed: 5,
        published: 1,
        retried: 1,
        failed: 0,
        released: 3,
        lost: 0,
      });
      // The rest is due, but the key waits for its retry (due a second after it was recorded).
      expect((await w.runOnce()).claimed).toBe(0);
      expect(await h.get(first)).toMatchObject({ status: 'published', attempts: 1 });
      expect(await h.get(second)).toMatchObject({ status: 'retry', attempts: 1 });
      for (const id of rest) expect(await h.get(id)).toMatchObject({ status: 'pending', attempts: 0 });
      const next = await until(
        'the retry due',
        () => w.runOnce(),
        (report) => report.claimed > 0,
      );
      expect(next).toMatchObject({ claimed: 4, published: 4, retried: 0, released: 0 });
      expect(streamIds(h)).toEqual(ids);
      expect(await h.get(second)).toMatchObject({ status: 'published', attempts: 2 });
      for (const id of rest) expect(await h.get(id)).toMatchObject({ status: 'published', attempts: 1 });
    });

    it('gives back the continuation of a key claimed ahead when the batch before it failed on that key', async () => {
      const h = await stage.scene({
        OUTBOX_WORKER: { BATCH_SIZE: 10, SLEEP_TIME: 0.05, RETRY_BASE_DELAY: 0.05 },
      });
      const ids = await h.publish(40, { key: 'k' });
      // Events 15-20 (the second batch, from its fifth on) fail once; a batch claimed ahead as the
      // key's continuation while the second publishes must not go out before them.
      const failing = new Set(ids.slice(14, 20));
      h.broker.failNext(failing.size, { match: (event) => failing.has(event.id) });
      await drain(h, 40, 8000);
      expect(streamIds(h)).toEqual(ids);
      // Only the first failure of the run used an attempt; the rest of it was given back unused.
      for (const event of await h.events()) expect(event.attempts).toBe(event.id === ids[14] ? 2 : 1);
    });
  });

  it('four workers over one outbox publish every event exactly once', async () => {
    const first = await stage.scene({ OUTBOX_WORKER: { BATCH_SIZE: 50, SLEEP_TIME: 0.05 } });
    const ids = new Set(await first.publish(1000));
    const scenes = [
      first,
      ...(await Promise.all(
        Array.from({ length: 3 }, () =>
          stage.scene({ broker: first.broker, OUTBOX_WORKER: { BATCH_SIZE: 50, SLEEP_TIME: 0.05 } }),
        ),
      )),
    ];
    const runs = scenes.map((scene) => worker(scene.dispatch).run());
    await first.broker.waitForCount(1000, 15_000);
    await until(
      'the events recorded',
      () => first.counts(),
      (counts) => counts.published === 1000,
    );
    await Promise.all(workers.map((each) => each.stop()));
    await Promise.all(runs);
    expect(first.broker.count()).toBe(1000);
    expect(first.broker.duplicates().size).toBe(0);
    expect(new Set(streamIds(first))).toEqual(ids);
    expect(await first.counts()).toEqual({ published: 1000 });
    for (const event of await first.events()) expect(event.attempts).toBe(1);
  });

  it('shutdown lets the publish in flight finish, releases the claimed-but-unstarted batch, leaves nothing processing', async () => {
    const h = await stage.scene({ OUTBOX_WORKER: { BATCH_SIZE: 10 } });
    await h.publish(25);
    const release = h.broker.hold();
    const w = worker(h.dispatch);
    const running = w.run();
    // One batch publishing, the next claimed ahead.
    await until(
      'a batch claimed ahead',
      () => h.counts(),
      (counts) => counts.processing === 20,
    );
    expect(h.broker.held).toBe(1);
    const stopping = w.stop();
    expect(w.state).toBe('stopping');
    release();
    await stopping;
    await running;
    expect(await h.counts()).toEqual({ published: 10, pending: 15 });
    expect((await h.dispatch.store.stats()).inFlight).toBe(0);
    for (const event of await h.events()) {
      if (event.status === 'pending') expect(event.attempts).toBe(0);
    }
  });

  it('retention cleanup deletes published events once they are older than PUBLISHED_RETENTION_DAYS', async () => {
    const retention = { FAILED_RETENTION_DAYS: 30, CLEANUP_INTERVAL: 1, CLEANUP_BATCH_SIZE: 1 };
    const keeping = await stage.scene({ OUTBOX_RETENTION: { ...retention, PUBLISHED_RETENTION_DAYS: 1 } });
    const ids = await keeping.publish(3);
    const [bad] = ids as [string];
    keeping.broker.rejectWhen((event) => event.id === bad);
    expect(await worker(keeping.dispatch).runOnce()).toMatchObject({ published: 2, failed: 1 });

    // Not due yet with a day's retention: a whole cleanup run keeps everything.
    let sweeps = 0;
    const cleanup = keeping.dispatch.store.cleanup;
    const counting = worker(
      withStore(keeping.dispatch, {
        cleanup: async (request, call) => {
          const deleted = await cleanup(request, call);
          sweeps += 1;
          return deleted;
        },
      }),
      { cleanup: true },
    );
    const running = counting.run();
    await until(
      'one cleanup run',
      () => sweeps,
      (n) => n >= 2,
    );
    await counting.stop();
    await running;
    expect(await keeping.counts()).toEqual({ published: 2, failed: 1 });

    // With a retention of 0.2 s they are old enough at the next run; the failed event stays.
    const deleting = await stage.scene({
      OUTBOX_RETENTION: { ...retention, PUBLISHED_RETENTION_DAYS: 0.2 / 86_400 },
    });
    const cleaner = worker(deleting.dispatch, { cleanup: true });
    const cleaning = cleaner.run();
    await until(
      'the published events deleted',
      () => deleting.counts(),
      (counts) => !counts.published,
      8000,
    );
    await cleaner.stop();
    await cleaning;
    expect(await deleting.counts()).toEqual({ failed: 1 });
    expect((await deleting.events()).map((event) => event.id)).toEqual([bad]);
  });
});
