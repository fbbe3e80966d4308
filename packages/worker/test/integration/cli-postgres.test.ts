import { execFile } from 'node:child_process';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTable, openPostgres, tableName } from './postgres.js';
import { dispatchArgs, PACKAGE_ROOT, pgRedisEnv, pgRedisReady, throwawayRedis } from './services.js';

const ready = await pgRedisReady();

describe.skipIf(!ready)('dispatch command on PostgreSQL and Redis (child process)', () => {
  const redis = throwawayRedis();
  let orm: MikroORM;
  const table = tableName();

  const dispatch = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        dispatchArgs(...args),
        { cwd: PACKAGE_ROOT, env: pgRedisEnv(table, redis.server) },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    orm = await openPostgres();
  });

  afterAll(async () => {
    if (orm) {
      await dropTable(orm, table);
      await orm.close(true);
    }
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
    await redis.server.stop();
    const down = await dispatch('health');
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/backend default\s+redis-stream\s+DOWN/);
    expect(down.stdout).toMatch(/store\s+mikro-orm\s+ok/);
    await redis.server.start();
  }, 120_000);
});
