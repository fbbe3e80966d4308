import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeNewEvent } from '@dispatch/core/testing';
import { describeTable, expectEndToEnd, expectPendingModelRow } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { afterAll, describe, expect, it } from 'vitest';
import { outboxMigrationSql, outboxPrismaSchema } from '../src/index.js';
import { dropOutbox, openDb, uniqueTable } from './databases.js';
import { storeOn } from './harness.js';
import { modelTables } from './prisma-clients.js';

afterAll(() => removeSqliteFiles());

const PRISMA_FOLDER = join(import.meta.dirname, '..', 'prisma');
const MIGRATION = '20260101000000_dispatch_outbox';

/** A file this package ships for Prisma users. */
const shipped = (provider: string, ...path: string[]) =>
  readFileSync(join(PRISMA_FOLDER, provider, ...path), 'utf8');

/** The statements of a migration.sql, for the table `tableName` instead of `outbox_events`. */
function statements(sql: string, tableName: string): string[] {
  return sql
    .replaceAll('outbox_events', tableName)
    .split(/;\s*\n/)
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0);
}

describe.each(SQL_DATABASES)('schema on %s', (kind) => {
  const provider = sqlDialectOf(kind);

  it('is created by migrate(), which can run again without losing anything', async () => {
    const open = await openDb(kind);
    const tableName = uniqueTable('mig');
    const store = await storeOn(open, tableName);
    try {
      await store.migrate();
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      await store.migrate();
      await store.migrate();
      expect((await store.get(event.id))?.status).toBe('pending');
      const [row] = await open.exec(`SELECT COUNT(*) AS n FROM ${tableName}`);
      expect(Number(row?.n)).toBe(1);
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await open.close();
    }
  });

  it('ships the Prisma Migrate SQL and the model block that the package functions write', () => {
    expect(shipped(provider, 'migrations', MIGRATION, 'migration.sql')).toBe(
      outboxMigrationSql({ provider }),
    );
    expect(shipped(provider, 'outbox.prisma')).toBe(outboxPrismaSchema({ provider }));
  });

  it('gets from the shipped Prisma Migrate SQL the same table as from migrate(), and a working store', async () => {
    const open = await openDb(kind);
    const viaMigrate = uniqueTable('viamig');
    const viaPrisma = uniqueTable('viaprisma');
    const store = await storeOn(open, viaPrisma);
    try {
      const reference = await storeOn(open, viaMigrate);
      await reference.migrate();
      await reference.close();
      for (const sql of statements(shipped(provider, 'migrations', MIGRATION, 'migration.sql'), viaPrisma)) {
        await open.exec(sql);
      }
      const options = { collation: true };
      expect(await describeTable(open.exec, sqlDialectOf(kind), viaPrisma, options)).toEqual(
        await describeTable(open.exec, sqlDialectOf(kind), viaMigrate, options),
      );
      if (kind === 'mariadb') {
        const [locks] = await open.exec(`SELECT COUNT(*) AS n FROM ${viaPrisma}_key_locks`);
        expect(Number(locks?.n)).toBe(4096);
      }
      // The store runs on it as it is, without its own migrate().
      await expectEndToEnd(store);
    } finally {
      await store.close();
      await dropOutbox(open, viaMigrate);
      await dropOutbox(open, viaPrisma);
      await open.close();
    }
  });

  it('reads the store’s rows through the model of outboxPrismaSchema, with typed columns', async () => {
    const open = await openDb(kind);
    const tableName = modelTables().outbox;
    const store = await storeOn(open, tableName);
    try {
      await store.migrate();
      const event = makeNewEvent({ key: 'k1', data: { total: 3 } });
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      const row = await open.prisma.runOutbox.findUnique({ where: { id: event.id } });
      // Prisma reads BIGINT as bigint (createdAt everywhere; seq is an Int on SQLite).
      expectPendingModelRow(row, event, { bigint: kind === 'sqlite' ? ['createdAt'] : ['createdAt', 'seq'] });
      expect(await open.prisma.runOutbox.count({ where: { status: 'pending' } })).toBe(1);
    } finally {
      await store.close();
      await dropOutbox(open, tableName);
      await open.close();
    }
  });
});

describe('outboxPrismaSchema and outboxMigrationSql', () => {
  it('name the table, the model and a schema as asked', () => {
    const schema = outboxPrismaSchema({
      provider: 'postgresql',
      tableName: 'dispatch.events',
      modelName: 'Outbox',
    });
    expect(schema).toMatch(/^model Outbox \{$/m);
    expect(schema).toContain('@@map("events")');
    expect(schema).toContain('@@schema("dispatch")');
    expect(schema).toContain('map: "events_due_idx"');
    const mysql = outboxPrismaSchema({ provider: 'mysql', tableName: 'events' });
    expect(mysql).toMatch(/^model OutboxEventKeyLock \{$/m);
    expect(mysql).toContain('@@map("events_key_locks")');
    expect(mysql).not.toContain('where:');
    expect(outboxMigrationSql({ provider: 'sqlite', tableName: 'events' })).toContain(
      'CREATE TABLE IF NOT EXISTS "events"',
    );
  });

  it('refuse what the store would refuse, saying what is expected', () => {
    expect(() => outboxPrismaSchema({ provider: 'oracle' as never })).toThrow(
      /provider must be 'postgresql', 'mysql' or 'sqlite', got "oracle"/,
    );
    expect(() => outboxMigrationSql({ provider: 'sqlite', tableName: 'main.outbox' })).toThrow(
      /tableName must be the store's tableName/,
    );
    expect(() => outboxPrismaSchema({ provider: 'mysql', tableName: 'drop table;' })).toThrow(
      /got "drop table;"/,
    );
    expect(() => outboxPrismaSchema({ provider: 'mysql', modelName: 'my-model' })).toThrow(/modelName/);
  });
});
