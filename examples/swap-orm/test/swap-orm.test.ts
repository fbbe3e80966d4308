import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDispatch, type Dispatch } from '@dispatch/core';
import { createWorker } from '@dispatch/worker';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrdersData, openData } from '../src/data/index.js';
import { dispatchConfig } from '../src/dispatch-config.js';
import { runUntilDrained } from '../src/drain.js';
import { OrderRefusedError, placeOrder } from '../src/orders.js';
import { createOrdersTable } from '../src/schema.js';
import { ORMS, type OrmName, type Settings, settingsFromEnv } from '../src/settings.js';
import { readStream, type StreamEntry } from '../src/stream.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(
  createRequire(join(ROOT, 'package.json')).resolve('@dispatch/worker/package.json'),
  '..',
  'bin',
  'dispatch.js',
);
const RUN = `${process.pid.toString(36)}_${randomBytes(3).toString('hex')}`;
const LIMIT = 10_000;

/** What every ORM must have put on its stream, in this order per key; the refused order is absent. */
const EXPECTED = [
  { key: 'customer-ada', subject: 'orders/1', data: { orderId: 1, customer: 'ada', totalCents: 4200 } },
  { key: 'customer-grace', subject: 'orders/2', data: { orderId: 2, customer: 'grace', totalCents: 1750 } },
  // Order 3 (grace, past the limit) rolled back: its id was taken from the sequence, nothing else.
  { key: 'customer-ada', subject: 'orders/4', data: { orderId: 4, customer: 'ada', totalCents: 800 } },
].map((entry) => ({ type: 'order.placed', ...entry }));

/** Each ORM's stream, without the ids that differ by nature (event ids, entry ids), for the final comparison. */
const streams = new Map<OrmName, Omit<StreamEntry, 'entryId' | 'eventId'>[]>();

function settingsFor(orm: OrmName): Settings {
  return {
    ...settingsFromEnv({}),
    orm,
    schema: `swap_orm_${RUN}_${orm}`,
    stream: `swap-orm-${RUN}-${orm}`,
    creditLimitCents: LIMIT,
    logLevel: 'warn',
  };
}

/** `dispatch migrate` from this folder, as a user runs it: dispatch.config.ts opens the ORM that `ORM` names. */
async function dispatchMigrate(settings: Settings): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'migrate'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ORM: settings.orm,
      DB_SCHEMA: settings.schema,
      EVENTS_STREAM: settings.stream,
      LOG_LEVEL: 'warn',
    },
  });
  return stdout;
}

async function sql<T>(settings: Settings, text: string): Promise<T[]> {
  const { host, port, user, database } = settings.postgres;
  const client = new pg.Client({ host, port, user, database });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.each(ORMS)('ORM=%s', (orm) => {
  const settings = settingsFor(orm);
  const redis = new Redis(settings.redisUrl);
  let data: OrdersData;
  let dispatch: Dispatch;

  beforeAll(async () => {
    expect(await dispatchMigrate(settings)).toMatch(/^created the outbox table ".*outbox_events" \(store: /);
    await createOrdersTable(settings);
    data = await openData(settings);
    dispatch = await createDispatch(dispatchConfig(data, settings));
  });

  afterAll(async () => {
    await dispatch?.close();
    await data?.close();
    await sql(settings, `drop schema if exists "${settings.schema}" cascade`);
    const markers = await redis.keys(`dispatch:idem:{${settings.stream}}:*`);
    await redis.del(settings.stream, ...markers);
    await redis.quit();
  });

  it('publishes the committed orders, per customer in order, and nothing of the refused one', async () => {
    const place = (customer: string, totalCents: number) =>
      placeOrder(data, dispatch, { customer, totalCents }, settings.creditLimitCents);
    const ada1 = await place('ada', 4200);
    const grace = await place('grace', 1750);
    await expect(place('grace', LIMIT)).rejects.toBeInstanceOf(OrderRefusedError);
    const ada2 = await place('ada', 800);
    expect([ada1, grace, ada2].map((r) => r.order)).toEqual(EXPECTED.map((e) => e.data).map(toOrder));

    // Nothing of the refused order in the database: neither its row nor its outbox event.
    expect(await data.listOrders()).toEqual(EXPECTED.map((e) => toOrder(e.data)));
    const outbox = await sql<{ event_type: string; ordering_key: string; data: string }>(
      settings,
      `select event_type, ordering_key, data from "${settings.schema}".outbox_events order by seq`,
    );
    expect(outbox.map((row) => ({ ...row, data: JSON.parse(row.data) }))).toEqual(
      EXPECTED.map((e) => ({ event_type: e.type, ordering_key: e.key, data: e.data })),
    );

    await runUntilDrained(dispatch, createWorker(dispatch, { cleanup: false, statsInterval: 0 }));
    const { counts } = await dispatch.store.stats();
    expect(counts).toMatchObject({ published: 3, pending: 0, retry: 0, processing: 0, failed: 0 });

    const entries = await readStream(redis, settings.stream);
    // The events the service wrote, each once, and no others (none for the refused order).
    expect(entries.map((e) => e.eventId).sort()).toEqual([ada1.eventId, grace.eventId, ada2.eventId].sort());
    const withoutIds = entries.map(({ entryId: _entry, eventId: _event, ...rest }) => rest);
    // One worker, one batch: the stream holds them in commit order, which is also each key's order.
    expect(withoutIds).toEqual(EXPECTED);
    expect(withoutIds.filter((e) => e.key === 'customer-ada').map((e) => e.subject)).toEqual([
      'orders/1',
      'orders/4',
    ]);
    streams.set(orm, withoutIds);
  });
});

describe('all five ORMs', () => {
  it('wrote the same entries to their streams', () => {
    expect([...streams.keys()]).toEqual([...ORMS]);
    for (const orm of ORMS) expect(streams.get(orm), orm).toEqual(streams.get('mikro'));
  });
});

function toOrder(data: { orderId: number; customer: string; totalCents: number }) {
  return { id: data.orderId, customer: data.customer, totalCents: data.totalCents };
}
