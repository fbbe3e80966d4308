import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { type Settings, settingsFromEnv } from '../src/settings.js';

/** Settings with table, stream and key names of their own, so parallel runs never meet. */
export function uniqueSettings(): Settings {
  const id = randomBytes(4).toString('hex');
  return {
    ...settingsFromEnv({}),
    ordersTable: `orders_${id}`,
    outboxTable: `outbox_${id}`,
    stream: `orders-example-${id}`,
    group: 'shipping',
    consumer: `shipping-${id}`,
    processedKey: `orders-example-${id}:processed`,
    port: 0,
    creditLimitCents: 10_000,
    logLevel: 'warn',
  };
}

/** The same settings as environment variables, for the processes `pnpm start` runs. */
export function settingsEnv(settings: Settings): Record<string, string> {
  return {
    ORDERS_TABLE: settings.ordersTable,
    OUTBOX_TABLE: settings.outboxTable,
    EVENTS_STREAM: settings.stream,
    CONSUMER_GROUP: settings.group,
    CONSUMER_NAME: settings.consumer,
    PROCESSED_KEY: settings.processedKey,
    PORT: String(settings.port),
    CREDIT_LIMIT_CENTS: String(settings.creditLimitCents),
    LOG_LEVEL: settings.logLevel,
  };
}

/** Drop the run's tables and delete its Redis keys (stream, processed set, dead letters, idempotency markers). */
export async function removeEverything(settings: Settings): Promise<void> {
  const { host, port, user, database } = settings.postgres;
  const orm = await MikroORM.init({
    host,
    port,
    user,
    dbName: database,
    entities: [],
    discovery: { warnWhenNoEntities: false },
  });
  try {
    await orm.em
      .getConnection()
      .execute(`drop table if exists "${settings.ordersTable}", "${settings.outboxTable}"`);
  } finally {
    await orm.close();
  }
  const redis = new Redis(settings.redisUrl);
  try {
    const keys = [settings.stream, `${settings.stream}:dead-letter`, settings.processedKey];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(
        cursor,
        'MATCH',
        `dispatch:idem:{${settings.stream}}:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function postOrder(
  url: string,
  body: unknown,
): Promise<{ status: number; body: { id?: number; eventId?: string; error?: string } }> {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { id?: number; eventId?: string } };
}
