import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDispatch, type Dispatch } from '@dispatch/core';
import { createWorker } from '@dispatch/worker';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrokerConsumer, openConsumer } from '../src/consumers/index.js';
import { createOrdersTable, type Order, openOrm } from '../src/db.js';
import { dispatchConfig } from '../src/dispatch-config.js';
import { runUntilDrained } from '../src/drain.js';
import { createOrder } from '../src/orders.js';
import { BROKERS, type BrokerName, settingsFromEnv } from '../src/settings.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(
  createRequire(join(ROOT, 'package.json')).resolve('@dispatch/worker/package.json'),
  '..',
  'bin',
  'dispatch.js',
);
const run = promisify(execFile);
// Lower-case letters and digits: valid in a schema, a Redis key, a NATS stream and subject, an exchange.
const RUN = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;

/** Four customers, three orders each, interleaved: a, b, c, d, a, b, c, d, ... */
const CUSTOMERS = ['cust-a', 'cust-b', 'cust-c', 'cust-d'];
const ORDERS = [0, 1, 2].flatMap((round) =>
  CUSTOMERS.map((customerId, n) => ({ customerId, totalCents: 1000 * (round + 1) + n })),
);

/** The environment of one broker's run: every name this run creates is its own. */
function envFor(broker: BrokerName): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BROKER: broker,
    DB_SCHEMA: `switch_broker_${RUN}_${broker}`,
    REDIS_STREAM: `switch-broker-${RUN}`,
    NATS_STREAM: `SWITCH_BROKER_${RUN}`,
    NATS_SUBJECT_PREFIX: `switch-broker.${RUN}`,
    AMQP_EXCHANGE: `switch-broker-${RUN}`,
    AMQP_QUEUE: `switch-broker-${RUN}-orders`,
    CONSUMER_NAME: `switch-broker-${RUN}`,
    LOG_LEVEL: 'warn',
  };
}

describe.each(BROKERS)('BROKER=%s', (broker) => {
  const env = envFor(broker);
  const settings = settingsFromEnv(env);
  let orm: MikroORM;
  let dispatch: Dispatch;
  let consumer: BrokerConsumer | undefined;

  beforeAll(async () => {
    // `dispatch migrate` from this folder, as a user runs it: dispatch.config.ts reads the same env.
    const { stdout } = await run(process.execPath, [CLI, 'migrate'], { cwd: ROOT, env });
    expect(stdout).toMatch(/^created the outbox table ".*outbox_events" \(store: /);
    orm = await openOrm(settings);
    await createOrdersTable(orm, settings);
    dispatch = await createDispatch(dispatchConfig(orm, settings));
    // Before the worker publishes: RabbitMQ needs the queue bound to the exchange by then.
    consumer = await openConsumer(settings);
  });

  afterAll(async () => {
    await consumer?.remove();
    await dispatch?.close();
    if (orm) {
      await orm.em.getConnection().execute(`drop schema if exists "${settings.schema}" cascade`);
      await orm.close();
    }
  });

  it('delivers every order.created once, each customer in commit order, with its payload', async () => {
    const created: { order: Order; eventId: string }[] = [];
    for (const input of ORDERS) created.push(await createOrder(orm, dispatch, settings, input));

    await runUntilDrained(dispatch, createWorker(dispatch, { cleanup: false, statsInterval: 0 }));
    const { counts } = await dispatch.store.stats();
    expect(counts).toMatchObject({
      published: ORDERS.length,
      pending: 0,
      retry: 0,
      processing: 0,
      failed: 0,
    });

    const events = await consumer!.read(ORDERS.length, 20_000);
    // Nothing beyond them: no event arrives a second time.
    expect(await consumer!.read(1, 1500)).toEqual([]);

    // Exactly once by id: each event the service wrote, and no other.
    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(created.map((c) => c.eventId).sort());

    // Per customer (the ordering key), in the order the transactions committed.
    for (const customerId of CUSTOMERS) {
      expect(
        events.filter((e) => e.key === customerId).map((e) => e.eventId),
        customerId,
      ).toEqual(created.filter((c) => c.order.customerId === customerId).map((c) => c.eventId));
    }

    // Type, source, subject and payload as the service wrote them.
    const byId = new Map(created.map((c) => [c.eventId, c.order]));
    for (const event of events) {
      const order = byId.get(event.eventId)!;
      expect(event).toMatchObject({
        eventType: 'order.created',
        source: 'switch-broker',
        key: order.customerId,
      });
      expect(event.cloudEvent).toMatchObject({
        specversion: '1.0',
        id: event.eventId,
        type: 'order.created',
        subject: `orders/${order.id}`,
        data: { orderId: order.id, customerId: order.customerId, totalCents: order.totalCents },
      });
    }
  });
});

describe('BROKER', () => {
  it('refuses a value it does not know, naming the variable and the allowed values', async () => {
    expect(() => settingsFromEnv({ BROKER: 'kafka' })).toThrow(
      "BROKER must be one of redis, nats, rabbitmq, not 'kafka'",
    );
    // The same message stops `dispatch` before it connects to anything.
    const failure = await run(process.execPath, [CLI, 'migrate'], {
      cwd: ROOT,
      env: { ...process.env, BROKER: 'kafka' },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("BROKER must be one of redis, nats, rabbitmq, not 'kafka'");
  });

  it('is redis when unset', () => {
    expect(settingsFromEnv({}).broker).toBe('redis');
  });
});
