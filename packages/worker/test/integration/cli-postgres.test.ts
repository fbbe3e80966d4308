import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { hasCommand } from '@dispatch/test-services/processes';
import { RedisServer } from '@dispatch/test-services/redis-server';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTable, openPostgres, postgresUp, tableName } from './postgres.js';
import { canImport } from './services.js';

const ready =
  hasCommand('redis-server') &&
  (await canImport('@dispatch/orm-mikro')) &&
  (await canImport('@dispatch/backend-redis-stream')) &&
  (await postgresUp());

const root = join(import.meta.dirname, '..', '..');
const fixture = join(root, 'test', 'fixtures', 'pg-redis', 'dispatch.config.ts');

describe.skipIf(!ready)('dispatch command on PostgreSQL and Redis (child process)', () => {
  let redis: RedisServer;
  let orm: MikroORM;
  const table = tableName();

  const dispatch = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args, '--config', fixture],
        {
          cwd: root,
          env: { ...process.env, DISPATCH_IT_TABLE: table, DISPATCH_IT_REDIS_PORT: String(redis.port) },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    redis = await RedisServer.start({ dirPrefix: 'dispatch-worker-redis-' });
    orm = await openPostgres();
  });

  afterAll(async () => {
    if (orm) {
      await dropTable(orm, table);
      await orm.close(true);
    }
    await redis?.destroy();
  });

  it('migrate creates the table (twice is fine); stats and health work; health exits 1 with Redis down', async () => {
    const before = await dispatch('stats');
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/dispatch migrate/);

    const created = await dispatch('migrate');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(`created the outbox table "${table}" (store: mikro-orm)\n`);
    const again = await dispatch('migrate');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(
      `the outbox table "${table}" was already up to date; nothing changed (store: mikro-orm)\n`,
    );
    const stats = await dispatch('stats', '--json');
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).counts.pending).toBe(0);

    const healthy = await dispatch('health');
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    await redis.stop();
    const down = await dispatch('health');
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/backend default\s+redis-stream\s+DOWN/);
    expect(down.stdout).toMatch(/store\s+mikro-orm\s+ok/);
    await redis.start();
  }, 120_000);
});
