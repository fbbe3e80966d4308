import { type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent, recordingLogger, sleep } from '@dispatch/core/testing';
import { INSERT_COLUMNS, StatisticsKeeper } from '@dispatch/store-sql';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOutbox, type TestOutbox } from './databases.js';

describe('ANALYZE after slow claims on a table with stale statistics (postgresql)', () => {
  let outbox: TestOutbox;
  let orm: MikroORM;
  let store: OutboxStore;
  let tableName: string;
  const query = (sql: string, params: unknown[] = []) =>
    orm.em.getConnection().execute(sql, params, 'all') as Promise<Record<string, unknown>[]>;
  const tableStats = async () => {
    const [row] = await query(
      'SELECT n_mod_since_analyze, last_analyze FROM pg_stat_user_tables WHERE relid = to_regclass(?)',
      [`"${tableName}"`],
    );
    return { changed: Number(row?.n_mod_since_analyze), lastAnalyze: row?.last_analyze ?? null };
  };

  beforeAll(async () => {
    outbox = await openOutbox('postgresql', 'stats');
    ({ orm, store, tableName } = outbox);
    // Autovacuum must not analyze the table behind the test's back.
    await query(`ALTER TABLE "${tableName}" SET (autovacuum_enabled = false)`);
    await store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
    await query(
      `INSERT INTO "${tableName}" (${INSERT_COLUMNS.join(', ')})
       SELECT gen_random_uuid()::text, ${INSERT_COLUMNS.filter((column) => column !== 'id').join(', ')}
       FROM "${tableName}", generate_series(1, 5000)`,
    );
    // The inserting session reports its row counts to the statistics views when it goes idle,
    // within 10 s at most.
    for (let waited = 0; (await tableStats()).changed < 5000 && waited < 30_000; waited += 100)
      await sleep(100);
    expect((await tableStats()).changed).toBeGreaterThanOrEqual(5000);
  });

  afterAll(() => outbox.close());

  it('does nothing after a fast claim', () => {
    const keeper = new StatisticsKeeper(query, `"${tableName}"`, silentLogger);
    keeper.claimed(20);
    expect(keeper.running).toBeUndefined();
  });

  it('warns once, and analyzes nothing, when this user does not own the table', async () => {
    await query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dispatch_not_owner') THEN CREATE ROLE dispatch_not_owner NOLOGIN; END IF; END $$`,
    );
    const asOtherRole = (sql: string, params: unknown[] = []) =>
      orm.em.transactional(async (em) => {
        const connection = em.getConnection();
        const ctx = em.getTransactionContext();
        await connection.execute('SET LOCAL ROLE dispatch_not_owner', [], 'run', ctx);
        return connection.execute(sql, params, 'all', ctx) as Promise<Record<string, unknown>[]>;
      });
    let now = 0;
    const logger = recordingLogger();
    const keeper = new StatisticsKeeper(asOtherRole, `"${tableName}"`, logger, () => now);
    keeper.claimed(150);
    await keeper.running;
    now += 120_000;
    keeper.claimed(150);
    expect(keeper.running).toBeUndefined();
    expect(logger.lines.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: 'warn', message: expect.stringMatching(/does not own the table/) },
    ]);
    expect((await tableStats()).lastAnalyze).toBeNull();
  });

  it('analyzes a never-analyzed table after a slow claim, then leaves it alone', async () => {
    expect((await tableStats()).lastAnalyze).toBeNull();
    const logger = recordingLogger();
    const keeper = new StatisticsKeeper(query, `"${tableName}"`, logger);
    keeper.claimed(150);
    expect(keeper.running).toBeDefined();
    await keeper.running;
    const analyzed = (await tableStats()).lastAnalyze;
    expect(analyzed).not.toBeNull();
    expect(logger.lines.map(({ level, message }) => ({ level, message }))).toEqual([
      { level: 'info', message: expect.stringMatching(/ran ANALYZE/) },
    ]);

    // Fresh statistics: another keeper (no once-a-minute limit yet) looks and does nothing.
    const again = new StatisticsKeeper(query, `"${tableName}"`, logger);
    again.claimed(150);
    await again.running;
    expect((await tableStats()).lastAnalyze).toEqual(analyzed);
    expect(logger.lines).toHaveLength(1);
  });

  it('looks at most once a minute', async () => {
    let now = 0;
    let looks = 0;
    const counting = async (sql: string, params: unknown[] = []) => {
      if (sql.includes('pg_stat_user_tables')) looks += 1;
      return query(sql, params);
    };
    const keeper = new StatisticsKeeper(counting, `"${tableName}"`, silentLogger, () => now);
    keeper.claimed(150);
    await keeper.running;
    now += 59_000;
    keeper.claimed(150);
    await keeper.running;
    expect(looks).toBe(1);
    now += 1_000;
    keeper.claimed(150);
    await keeper.running;
    expect(looks).toBe(2);
  });
});
