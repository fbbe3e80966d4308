import { type ChildProcess, spawn } from 'node:child_process';
import { createDispatch, type Dispatch } from '@dispatch/core';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMany } from '../helpers.js';
import { dropTable, openPostgres, statusCounts, tableName } from './postgres.js';
import {
  dispatchArgs,
  eventIds,
  PACKAGE_ROOT,
  pgRedisEnv,
  pgRedisReady,
  redisPublishers,
  throwawayRedis,
} from './services.js';

const ready = await pgRedisReady();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `dispatch worker` as a real child process, from source (no build needed). */
function startWorker(env: Record<string, string>): Child {
  const child = spawn(process.execPath, dispatchArgs('worker'), {
    cwd: PACKAGE_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { process: child, output: () => output, exited };
}

describe.skipIf(!ready)('dispatch worker killed with SIGKILL mid-batch and restarted', () => {
  const redis = throwawayRedis();
  let orm: MikroORM;
  let dispatch: Dispatch;
  const table = tableName();

  beforeAll(async () => {
    orm = await openPostgres();
    const { mikroOrmStore } = await import('@dispatch/orm-mikro');
    dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: await redisPublishers(redis.server, { stream_name: 'crash' }),
      OUTBOX_STORE: { STORE: mikroOrmStore, OPTIONS: { orm, tableName: table } },
      LOGGING: { LEVEL: 'warn' },
    });
    await dispatch.store.migrate();
  }, 30_000);

  afterAll(async () => {
    await dispatch?.close();
    if (orm) {
      await dropTable(orm, table);
      await orm.close(true);
    }
  });

  it('loses nothing: after the restart every event is published and in the stream', async () => {
    const ids = await publishMany(dispatch, 5000, 'crash.test');
    const env = pgRedisEnv(table, redis.server);

    const first = startWorker(env);
    const deadline = Date.now() + 60_000;
    while (Number(redis.server.cli('XLEN', 'crash')) < 500 && Date.now() < deadline) await sleep(20);
    first.process.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const afterKill = await statusCounts(orm, table);
    expect(afterKill.published ?? 0, first.output()).toBeGreaterThan(0);
    expect(afterKill.published ?? 0).toBeLessThan(5000);
    // Killed mid-batch: some events were left leased to the dead worker.
    expect(afterKill.processing ?? 0, JSON.stringify(afterKill)).toBeGreaterThan(0);

    const second = startWorker(env);
    const until = Date.now() + 90_000;
    while (((await statusCounts(orm, table)).published ?? 0) < 5000 && Date.now() < until) await sleep(200);
    second.process.kill('SIGTERM');
    const exit = await second.exited;
    expect(exit.code, second.output()).toBe(0);

    expect(await statusCounts(orm, table)).toEqual({ published: 5000 });
    // At least once: every event is in the stream; idempotent append keeps re-sends out of it.
    const streamIds = eventIds(redis.server, 'crash');
    expect(new Set(streamIds)).toEqual(ids);
    expect(streamIds).toHaveLength(5000);
    expect(second.output()).toMatch(/SIGTERM: stopping/);
  }, 180_000);
});
