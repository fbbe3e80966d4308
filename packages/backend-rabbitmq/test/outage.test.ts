import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Backend, OutboxEvent } from '@dispatch/core';
import { RabbitServer } from '@dispatch/test-services/rabbitmq-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Inspector, makeEvent, makeEvents, openBackend, outcomeKinds } from './helpers.js';

/**
 * A RabbitMQ node of this file's own, killed with SIGKILL and booted again on the same port with
 * its data: the queues are durable and the messages persistent, so what the broker confirmed must
 * still be there after the crash.
 */
describe('outage of a throwaway RabbitMQ node', () => {
  let server: RabbitServer;

  beforeAll(async () => {
    server = await RabbitServer.start();
    const inspector = await Inspector.open(server.url);
    try {
      // Declared here so they are in place before any backend publishes (and survive restarts).
      await inspector.channel.assertExchange('outage', 'topic', { durable: true });
      for (const queue of ['outage-quorum', 'outage-classic']) {
        const type = queue.endsWith('quorum') ? 'quorum' : 'classic';
        await inspector.channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': type } });
        await inspector.channel.bindQueue(queue, 'outage', '#');
      }
    } finally {
      await inspector.model.close();
    }
    await server.shutdown();
    await server.start();
  });

  afterEach(async () => {
    // A test that failed while the broker was down must not leave the next one without it.
    if (!server.running) await server.start();
  });

  afterAll(async () => {
    await server.destroy();
  });

  const open = (): Promise<Backend> =>
    openBackend({
      url: server.url,
      exchange: 'outage',
      connect_timeout: 2,
      reconnect_delay: 0.1,
      reconnect_max_delay: 1,
    });

  /** How often each message id sits in a queue (the queue is emptied). */
  const countsIn = async (queue: string): Promise<Map<string, number>> => {
    const inspector = await Inspector.open(server.url);
    try {
      const counts = new Map<string, number>();
      for (const message of await inspector.take(queue)) {
        const id = message.properties.messageId as string;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    } finally {
      await inspector.model.close();
    }
  };

  const publishUntilAccepted = async (backend: Backend, event: OutboxEvent) => {
    await expect
      .poll(async () => outcomeKinds(await backend.publish([event]))[0], { timeout: 30_000, interval: 250 })
      .toBe('published');
  };

  it('reports "unavailable" while the broker is down and publishes again once it is back, same backend', async () => {
    const backend = await open();
    try {
      const before = makeEvents(3);
      expect(outcomeKinds(await backend.publish(before))).toEqual(['published', 'published', 'published']);

      await server.stop();
      const started = Date.now();
      const whileDown = [...makeEvents(3), ...makeEvents(2)];
      expect(outcomeKinds(await backend.publish(whileDown.slice(0, 3)))).toEqual([
        'unavailable',
        'unavailable',
        'unavailable',
      ]);
      expect(outcomeKinds(await backend.publish(whileDown.slice(3)))).toEqual(['unavailable', 'unavailable']);
      // Quickly, without waiting for a timeout: the worker pauses and these events keep their attempts.
      expect(Date.now() - started).toBeLessThan(2000);
      const health = await backend.health();
      expect(health.ok).toBe(false);
      expect(health.error).toContain('ECONNREFUSED');

      await server.start();
      const first = makeEvent();
      await publishUntilAccepted(backend, first);
      const after = makeEvents(5);
      expect(outcomeKinds(await backend.publish(after))).toEqual(Array(5).fill('published'));
      expect((await backend.health()).ok).toBe(true);

      for (const queue of ['outage-quorum', 'outage-classic']) {
        const counts = await countsIn(queue);
        for (const event of [...before, first, ...after]) expect(counts.get(event.id), queue).toBe(1);
        // Reported unavailable: never sent, so never there.
        for (const event of whileDown) expect(counts.has(event.id), queue).toBe(false);
      }
    } finally {
      await backend.close();
    }
  });

  it('a crash in the middle of a batch loses nothing confirmed; the rest is unavailable and arrives when retried', async () => {
    const backend = await open();
    try {
      await publishUntilAccepted(backend, makeEvent());
      await countsIn('outage-quorum');
      await countsIn('outage-classic');
      const events = makeEvents(3000, { data: { pad: 'x'.repeat(200) } });
      const publishing = backend.publish(events);
      await nextTurn();
      await server.stop();
      const outcomes = await publishing;
      const confirmed = new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.id));
      const failures = outcomes.filter((outcome) => !outcome.ok);
      expect(failures.length).toBeGreaterThan(0);
      expect(new Set(outcomeKinds(failures))).toEqual(new Set(['unavailable']));

      await server.start();
      const retry = events.filter((event) => !confirmed.has(event.id));
      await publishUntilAccepted(backend, retry[0] as OutboxEvent);
      expect(outcomeKinds(await backend.publish(retry.slice(1))).every((kind) => kind === 'published')).toBe(
        true,
      );

      for (const queue of ['outage-quorum', 'outage-classic']) {
        const counts = await countsIn(queue);
        for (const event of events) {
          const count = counts.get(event.id) ?? 0;
          // Confirmed before the crash: on disk, exactly once. The others: at least once after the
          // retry (the broker may have stored one whose confirm never left it).
          if (confirmed.has(event.id)) expect(count, `${queue} ${event.id}`).toBe(1);
          else expect([1, 2], `${queue} ${event.id}`).toContain(count);
        }
      }
    } finally {
      await backend.close();
    }
  });

  it('a backend first used while the broker is down connects once it is back', async () => {
    await server.stop();
    const backend = await open();
    try {
      const started = Date.now();
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);
      expect(Date.now() - started).toBeLessThan(2500);
      await server.start();
      await publishUntilAccepted(backend, makeEvent());
    } finally {
      await backend.close();
      await countsIn('outage-quorum');
      await countsIn('outage-classic');
    }
  });

  it('a memory alarm (connection.blocked) is "unavailable" at once, until it clears', async () => {
    // A confirm timeout longer than the test's patience: only the blocked notice can end the wait.
    const backend = await openBackend({ url: server.url, exchange: 'outage', publish_timeout: 60 });
    try {
      expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
      await server.ctl('set_vm_memory_high_watermark', '0.0000001');
      const started = Date.now();
      const [first] = await backend.publish([makeEvent()]);
      expect(first?.ok === false && first.failure).toBe('unavailable');
      expect(first?.ok === false && first.error.message).toContain('blocked publishing');
      expect(Date.now() - started).toBeLessThan(20_000);
      // Known now: later batches are refused without waiting.
      const [second] = await backend.publish([makeEvent()]);
      expect(second?.ok === false && second.error.message).toContain('has blocked publishing');
      expect((await backend.health()).ok).toBe(false);
      await server.ctl('set_vm_memory_high_watermark', '0.4');
      await publishUntilAccepted(backend, makeEvent());
      expect((await backend.health()).ok).toBe(true);
    } finally {
      await backend.close();
      await countsIn('outage-quorum');
      await countsIn('outage-classic');
    }
  });
});
