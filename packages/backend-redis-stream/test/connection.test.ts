import { type AddressInfo, createServer } from 'node:net';
import { recordingLogger } from '@dispatch/core/testing';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend } from './helpers.js';

const SECRET = 's3cr3t-Pa55word';

describe.each(CLIENTS)('connecting (%s)', (client) => {
  let secured: RedisServer;

  beforeAll(async () => {
    secured = await RedisServer.start({ args: ['--requirepass', SECRET] });
  });

  afterAll(async () => {
    await secured.destroy();
  });

  it('an unreachable host fails the health check with a clear message, within connect_timeout', async () => {
    const port = await sparePort();
    const backend = await openBackend({ client, host: '127.0.0.1', port, connect_timeout: 1 });
    try {
      const started = Date.now();
      const health = await backend.health();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(health.ok).toBe(false);
      expect(health.error).toContain(`Cannot connect to Redis at redis://127.0.0.1:${port}/0`);
      expect(health.error).toMatch(/ECONNREFUSED/);
    } finally {
      await backend.close();
    }
  });

  it('a server that accepts but never answers fails the health check once connect_timeout has passed', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const backend = await openBackend({ client, host: '127.0.0.1', port, connect_timeout: 1 });
    try {
      const started = Date.now();
      const health = await backend.health();
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(2500);
      expect(health.ok).toBe(false);
      expect(health.error).toContain(`Cannot connect to Redis at redis://127.0.0.1:${port}/0`);
      const outcomes = await backend.publish(makeEvents(1));
      expect(outcomes[0]?.ok === false && outcomes[0].failure).toBe('unavailable');
    } finally {
      await backend.close();
      silent.close();
    }
  });

  it('connects with a password, from options or from a URL', async () => {
    for (const options of [
      { host: '127.0.0.1', port: secured.port, password: SECRET },
      { url: `redis://:${SECRET}@127.0.0.1:${secured.port}/2` },
      { url: `redis://default:${SECRET}@127.0.0.1:${secured.port}` },
    ]) {
      const backend = await openBackend({ client, stream_name: `auth-${client}`, ...options });
      try {
        const outcomes = await backend.publish(makeEvents(1));
        expect(outcomes[0]?.ok).toBe(true);
      } finally {
        await backend.close();
      }
    }
  });

  it('reports a wrong password the same whether it came in the URL or the password option', async () => {
    const wrong = `${SECRET}-wrong`;
    const errors: string[] = [];
    for (const options of [
      { url: `redis://:${wrong}@127.0.0.1:${secured.port}/0` },
      { host: '127.0.0.1', port: secured.port, password: wrong },
    ]) {
      const backend = await openBackend({ client, ...options });
      try {
        errors.push((await backend.health()).error ?? '');
      } finally {
        await backend.close();
      }
    }
    expect(errors[0]).toMatch(/WRONGPASS/);
    expect(errors[1]).toBe(errors[0]);
  });

  it('never puts the password in an error message or health report', async () => {
    const wrong = `${SECRET}-wrong`;
    const cases = [
      { url: `redis://:${wrong}@127.0.0.1:${secured.port}` },
      { host: '127.0.0.1', port: secured.port, password: wrong },
      { url: `redis://user:${wrong}@127.0.0.1:${await sparePort()}`, connect_timeout: 1 },
    ];
    const logger = recordingLogger();
    for (const options of cases) {
      const backend = await openBackend({ client, ...options }, 10_000, logger);
      try {
        const health = await backend.health();
        expect(health.ok).toBe(false);
        const outcomes = await backend.publish(makeEvents(1));
        const texts = [health.error ?? '', JSON.stringify(health.details ?? {})];
        for (const outcome of outcomes) {
          if (!outcome.ok) {
            texts.push(
              outcome.error.message,
              String((outcome.error.cause as Error | undefined)?.message ?? ''),
            );
          }
        }
        for (const text of texts) expect(text).not.toContain(wrong);
      } finally {
        await backend.close();
      }
    }
    expect(logger.lines.length).toBeGreaterThan(0);
    // Errors in the fields are written by their message, as a log sink shows them.
    const text = (line: unknown) =>
      JSON.stringify(line, (_key, value) => (value instanceof Error ? value.message : value));
    for (const line of logger.lines) expect(text(line)).not.toContain(wrong);
  });
});
