import type { OutboxEvent, PublishOutcome } from '@dispatch/core';
import { NatsServer } from '@dispatch/test-services/nats-server';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspector, makeEvents, openBackend, outcomeKinds, readStream } from './helpers.js';

describe('outage of a throwaway nats-server', () => {
  let server: NatsServer;

  beforeAll(async () => {
    server = await NatsServer.start();
  });

  afterAll(async () => {
    await server.destroy();
  });

  const options = (stream: string) => ({
    servers: server.url,
    stream,
    subject: `outage.${stream.toLowerCase()}.{event_type}`,
    connect_timeout: 1,
    publish_timeout: 10,
  });

  it('reports "unavailable" while the server is down, loses nothing, and resumes on the same backend', async () => {
    const backend = await openBackend(options('OUTAGE'), 30_000);
    // What the worker would do: keep every event until it is published, and publish it again otherwise.
    const owed = new Map<string, OutboxEvent>();
    const publish = async (events: OutboxEvent[]): Promise<PublishOutcome[]> => {
      for (const event of events) owed.set(event.id, event);
      const outcomes = await backend.publish(events);
      for (const outcome of outcomes) if (outcome.ok) owed.delete(outcome.id);
      return outcomes;
    };
    const all: OutboxEvent[] = [];
    const fresh = (count: number) => {
      const events = makeEvents(count);
      all.push(...events);
      return events;
    };
    try {
      expect(outcomeKinds(await publish(fresh(3)))).toEqual(['published', 'published', 'published']);

      await server.stop();
      // Fast: the backend knows the connection is down and does not wait for publish_timeout (10 s).
      const started = Date.now();
      const down = await publish(fresh(3));
      expect(outcomeKinds(down)).toEqual(['unavailable', 'unavailable', 'unavailable']);
      expect(Date.now() - started).toBeLessThan(5000);
      const health = await backend.health();
      expect(health.ok).toBe(false);
      expect(health.error).toMatch(/NATS connection to nats:\/\/127\.0\.0\.1:\d+ is down; reconnecting/);
      expect(outcomeKinds(await publish(fresh(2)))).toEqual(['unavailable', 'unavailable']);

      await server.start();
      // The client reconnects on its own: no new backend, no process restart.
      await expect
        .poll(async () => outcomeKinds(await publish(fresh(1)))[0], { timeout: 15_000, interval: 250 })
        .toBe('published');
      expect(outcomeKinds(await publish([...owed.values()])).every((kind) => kind === 'published')).toBe(
        true,
      );
      expect(owed.size).toBe(0);
      expect(outcomeKinds(await publish(fresh(5)))).toEqual(Array(5).fill('published'));
      expect((await backend.health()).ok).toBe(true);
      // Publishing everything again (as after a lost ack) adds nothing: the duplicate window
      // outlived the restart, for the events stored before it too.
      expect(outcomeKinds(await publish(all)).every((kind) => kind === 'published')).toBe(true);
    } finally {
      await backend.close();
    }

    // The store survived the restart: every event exactly once, in the order first published.
    const nc = await inspector(server.url);
    try {
      const stored = (await readStream(nc, 'OUTAGE')).map((m) => m.headers.event_id);
      expect(new Set(stored).size).toBe(stored.length);
      expect([...stored].sort()).toEqual(all.map((e) => e.id).sort());
    } finally {
      await nc.close();
    }
  });

  it('a batch waiting for its acks when the connection drops is "unavailable" at once, and its retry is stored once', async () => {
    const backend = await openBackend(options('INFLIGHT'), 30_000);
    let nc: NatsConnection | undefined;
    try {
      expect(outcomeKinds(await backend.publish(makeEvents(1)))).toEqual(['published']);
      // A frozen server takes the messages but never acknowledges them; then it dies.
      await server.pause();
      const events = makeEvents(20);
      const started = Date.now();
      const pending = backend.publish(events);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.stop();
      const outcomes = await pending;
      expect(outcomeKinds(outcomes)).toEqual(Array(20).fill('unavailable'));
      expect(Date.now() - started).toBeLessThan(5000);

      await server.start();
      await expect
        .poll(async () => outcomeKinds(await backend.publish(events)).every((kind) => kind === 'published'), {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(true);
      nc = await inspector(server.url);
      const stored = (await readStream(nc, 'INFLIGHT')).map((m) => m.headers.event_id).slice(1);
      expect(stored).toEqual(events.map((e) => e.id));
    } finally {
      await nc?.close();
      await backend.close();
    }
  });

  it('a backend first used while the server is down connects once it is back', async () => {
    await server.stop();
    const backend = await openBackend(options('LATE'), 30_000);
    try {
      const started = Date.now();
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);
      expect(Date.now() - started).toBeLessThan(5000);
      await server.start();
      expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
    } finally {
      await backend.close();
    }
  });
});
