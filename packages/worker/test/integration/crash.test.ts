import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createDispatch, type Dispatch } from '@dispatch/core';
import { hasCommand } from '@dispatch/test-services/processes';
import { RedisServer } from '@dispatch/test-services/redis-server';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTable, openPostgres, postgresUp, statusCounts, tableName } from './postgres.js';
import { canImport, eventIds } from './services.js';

const ready =
  hasCommand('redis-server') &&
  (await canImport('@dispatch/orm-mikro')) &&
  (await canImport('@dispatch/backend-redis-stream')) &&
  (await postgresUp());

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'pg-redis', 'dispatch.config.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `dispatch worker` as a real child process, from source (no build needed). */
function startWorker(env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'cli.ts'), 'worker', '--config', fixture],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { process: child, output: () => output, exited };
}

describe.skipIf(!ready)('dispatch worker killed with SIGKILL mid-batch and restarted', () => {
  let redis: RedisServer;
  let orm: MikroORM;
  let dispatch: Dispatch;
  const table = tableName();

  beforeAll(async () => {
    redis = await RedisServer.start({ dirPrefix: 'dispatch-worker-redis-' });
    orm = await openPostgres();
    const { mikroOrmStore } = await import('@dispatch/orm-mikro');
    const { redisStreamBackend } = await import('@dispatch/backend-redis-stream');
    dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: {
        default: {
          BACKEND: redisStreamBackend,
          OPTIONS: { host: '127.0.0.1', port: redis.port, stream_name: 'crash' },
        },
      },
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
    await redis?.destroy();
  });

  it('loses nothing: after the restart every event is published and in the stream', async () => {
    const ids = new Set<string>();
    for (let start = 0; start < 5000; start += 1000) {
      const events = await dispatch.publisher.publishEvents(
        Array.from({ length: 1000 }, (_, i) => ({
          eventType: 'crash.test',
          source: 'it',
          data: { n: start + i },
        })),
      );
      for (const event of events) ids.add(event.id);
    }
    const env = { DISPATCH_IT_TABLE: table, DISPATCH_IT_REDIS_PORT: String(redis.port) };

    const first = startWorker(env);
    const deadline = Date.now() + 60_000;
    while (Number(redis.cli('XLEN', 'crash')) < 500 && Date.now() < deadline) await sleep(20);
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
    const streamIds = eventIds(redis, 'crash');
    expect(new Set(streamIds)).toEqual(ids);
    expect(streamIds).toHaveLength(5000);
    expect(second.output()).toMatch(/SIGTERM: stopping/);
  }, 180_000);
});
