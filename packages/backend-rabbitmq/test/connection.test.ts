import type { Backend } from '@dispatch/core';
import { recordingLogger } from '@dispatch/core/testing';
import { sparePort } from '@dispatch/test-services/spare-port';
import { TcpProxy } from '@dispatch/test-services/tcp-proxy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  errorText,
  Inspector,
  makeEvent,
  makeEvents,
  openBackend,
  outcomeKinds,
  randomName,
  SHARED_URL,
} from './helpers.js';

const SECRET = 'S3cret-pass-in-url';

describe('connection failures through a proxy in front of the shared broker', () => {
  let inspector: Inspector;
  let proxy: TcpProxy;
  const backends: Backend[] = [];

  beforeAll(async () => {
    inspector = await Inspector.open();
    proxy = await TcpProxy.start(5672);
  });

  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
    proxy.restore();
  });

  afterAll(async () => {
    await proxy.close();
    await inspector.close();
  });

  const openThroughProxy = async (options: Record<string, unknown> = {}) => {
    const exchange = await inspector.exchange(randomName('proxied'));
    const queue = await inspector.queue(exchange);
    const logger = recordingLogger();
    const backend = await openBackend(
      {
        url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
        exchange,
        reconnect_delay: 0.05,
        reconnect_max_delay: 0.5,
        ...options,
      },
      { logger },
    );
    backends.push(backend);
    return { backend, queue, logger };
  };

  it('a silent network is found by heartbeats: unavailable, then publishing again on the same backend', async () => {
    const { backend, queue, logger } = await openThroughProxy({
      heartbeat: 1,
      connect_timeout: 1,
      publish_timeout: 1,
    });
    const before = makeEvents(2);
    expect(outcomeKinds(await backend.publish(before))).toEqual(['published', 'published']);
    proxy.blackhole();
    // Until the heartbeats miss, a batch waits for its confirms (publish_timeout) and is unavailable;
    // within two missed heartbeats amqplib drops the connection, and from then on the link knows.
    await expect
      .poll(async () => errorText((await backend.publish([makeEvent()]))[0]), {
        timeout: 15_000,
        interval: 200,
      })
      .toContain('is unreachable');
    const started = Date.now();
    const down = await backend.publish(makeEvents(3));
    expect(outcomeKinds(down)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await backend.health()).ok).toBe(false);
    expect(logger.lines.some((line) => line.level === 'warn' && /connection lost/.test(line.message))).toBe(
      true,
    );
    expect(JSON.stringify(logger.lines)).toContain('Heartbeat timeout');

    proxy.restore();
    const after = makeEvents(3);
    await expect
      .poll(async () => outcomeKinds(await backend.publish([after[0] as (typeof after)[number]]))[0], {
        timeout: 10_000,
        interval: 200,
      })
      .toBe('published');
    expect(outcomeKinds(await backend.publish(after.slice(1)))).toEqual(['published', 'published']);
    expect((await backend.health()).ok).toBe(true);
    expect(logger.lines.some((line) => /connection restored/.test(line.message))).toBe(true);
    const stored = (await inspector.take(queue)).map((message) => message.properties.messageId);
    for (const event of [...before, ...after]) expect(stored.filter((id) => id === event.id)).toHaveLength(1);
  });

  it('with heartbeats off, a silent network costs each batch at most publish_timeout', async () => {
    const { backend } = await openThroughProxy({ heartbeat: 0, publish_timeout: 1, connect_timeout: 1 });
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    proxy.blackhole();
    // The first batch waits for confirms that cannot come; the next one for a channel that cannot open.
    for (const what of ['no publisher confirm', 'opening a channel']) {
      const started = Date.now();
      const [outcome] = await backend.publish([makeEvent()]);
      expect(outcome?.ok === false && outcome.failure).toBe('unavailable');
      expect(errorText(outcome)).toContain(what);
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('a connection cut mid-batch: confirmed events are there once, the rest come back unavailable and arrive after a retry', async () => {
    const { backend, queue } = await openThroughProxy();
    await backend.publish([makeEvent()]);
    await inspector.take(queue);
    // About 3 MB of messages; the cut comes after 1.5 MB, so part of the batch never reaches the broker.
    const events = makeEvents(3000, { data: { pad: 'x'.repeat(500) } });
    proxy.onUpstreamBytes(1_500_000, () => proxy.cut());
    const outcomes = await backend.publish(events);
    proxy.restore();
    const confirmed = new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.id));
    const failures = outcomes.filter((outcome) => !outcome.ok);
    expect(failures.length).toBeGreaterThan(0);
    // Nothing confirmed late or half: every failure is "unavailable", which costs no attempt.
    expect(new Set(outcomeKinds(failures))).toEqual(new Set(['unavailable']));

    // What the worker does next: publish the failed events again once the broker is reachable.
    const retry = events.filter((event) => !confirmed.has(event.id));
    await expect
      .poll(async () => outcomeKinds(await backend.publish(retry.slice(0, 1)))[0], {
        timeout: 10_000,
        interval: 200,
      })
      .toBe('published');
    expect(outcomeKinds(await backend.publish(retry.slice(1))).every((kind) => kind === 'published')).toBe(
      true,
    );

    const counts = new Map<string, number>();
    for (const message of await inspector.take(queue)) {
      const id = message.properties.messageId as string;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const event of events) {
      const count = counts.get(event.id) ?? 0;
      // Confirmed: exactly once. Not confirmed: at least once (the broker may have had it when the
      // confirm was lost); consumers dedupe such copies by message_id.
      if (confirmed.has(event.id)) expect(count, event.id).toBe(1);
      else expect([1, 2], event.id).toContain(count);
    }
  });

  it('first used while the broker is unreachable: unavailable at once, connected in the background later', async () => {
    proxy.cut();
    const { backend } = await openThroughProxy();
    const started = Date.now();
    expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);
    expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['unavailable', 'unavailable']);
    expect(Date.now() - started).toBeLessThan(1500);
    proxy.restore();
    await expect
      .poll(async () => outcomeKinds(await backend.publish([makeEvent()]))[0], {
        timeout: 10_000,
        interval: 200,
      })
      .toBe('published');
  });
});

describe('credentials stay out of errors, health and logs', () => {
  it('a refused login', async () => {
    const logger = recordingLogger();
    const backend = await openBackend(
      { url: `amqp://guest:${SECRET}@127.0.0.1:5672`, connect_timeout: 2 },
      { logger },
    );
    try {
      const outcomes = await backend.publish([makeEvent()]);
      expect(outcomeKinds(outcomes)).toEqual(['unavailable']);
      const error = outcomes[0]?.ok === false ? outcomes[0].error : undefined;
      expect(error?.message).toContain('refused the login of user "guest"');
      const health = await backend.health();
      expect(health.ok).toBe(false);
      const seen = [
        error?.message,
        String(error?.cause),
        JSON.stringify(health),
        JSON.stringify(logger.lines),
      ].join('\n');
      expect(seen).not.toContain(SECRET);
      expect(logger.lines.length).toBeGreaterThan(0);
    } finally {
      await backend.close();
    }
  });

  it('an unreachable broker and a missing vhost', async () => {
    const logger = recordingLogger();
    const port = await sparePort();
    const down = await openBackend({ url: `amqp://app:${SECRET}@127.0.0.1:${port}/` }, { logger });
    const vhost = randomName('vhost');
    const noVhost = await openBackend({ url: `${SHARED_URL}/${vhost}` }, { logger });
    try {
      const [unreachable] = await down.publish([makeEvent()]);
      const [refused] = await noVhost.publish([makeEvent()]);
      expect(unreachable?.ok === false && unreachable.failure).toBe('unavailable');
      expect(unreachable?.ok === false && unreachable.error.message).toContain(
        `amqp://127.0.0.1:${port}/%2F`,
      );
      expect(refused?.ok === false && refused.error.message).toContain(`refused vhost "${vhost}"`);
      const seen = [
        JSON.stringify(
          [unreachable, refused].map((outcome) => (outcome?.ok === false ? outcome.error.message : '')),
        ),
        JSON.stringify(await down.health()),
        JSON.stringify(await noVhost.health()),
        JSON.stringify(logger.lines),
      ].join('\n');
      expect(seen).not.toContain(SECRET);
    } finally {
      await down.close();
      await noVhost.close();
    }
  });
});
