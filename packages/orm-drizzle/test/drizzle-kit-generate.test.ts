import { join } from 'node:path';
import { createStore, silentLogger } from '@dispatch/core';
import { makeNewEvent, recordingLogger } from '@dispatch/core/testing';
import { describeTable } from '@dispatch/store-sql/testing';
import { removeSqliteFiles, SQL_DATABASES, sqlDialectOf } from '@dispatch/test-services/sql-databases';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { migrate as migrateMysql } from 'drizzle-orm/mysql2/migrator';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { drizzleStore } from '../src/index.js';
import { type DatabaseName, dropOutbox, openDatabase, uniqueTable } from './databases.js';
import { kitProject, statementsOf } from './drizzle-kit.js';

afterAll(() => removeSqliteFiles());

const schemaFor = (name: DatabaseName, tableName: string) =>
  ({
    postgresql: `import { outboxTablePg } from 'dispatch-schema';\nexport const outbox = outboxTablePg('${tableName}');`,
    mariadb: `import { outboxKeyLocksTableMysql, outboxTableMysql } from 'dispatch-schema';
export const outbox = outboxTableMysql('${tableName}');
export const outboxKeyLocks = outboxKeyLocksTableMysql('${tableName}');`,
    sqlite: `import { outboxTableSqlite } from 'dispatch-schema';\nexport const outbox = outboxTableSqlite('${tableName}');`,
  })[name];

// `drizzle-kit generate` works offline from the schema files: the migration it writes, applied by
// Drizzle's migrator, must give the table `dispatch migrate` gives.
describe.each(SQL_DATABASES)('drizzle-kit generate on %s', (name) => {
  it('writes a migration that creates the same table as store.migrate(), and nothing more next time', async () => {
    const database = await openDatabase(name);
    const dialect = sqlDialectOf(name);
    const kitTable = uniqueTable('kit');
    const refTable = uniqueTable('ref');
    const journal = uniqueTable('journal');
    const project = kitProject({
      dialect,
      schema: schemaFor(name, kitTable),
    });
    const ref = await createStore(
      drizzleStore,
      { db: database.db, tableName: refTable },
      { logger: silentLogger },
    );
    const logger = recordingLogger();
    const store = await createStore(drizzleStore, { db: database.db, tableName: kitTable }, { logger });
    try {
      const generated = await project.kit('generate');
      expect(generated.code, generated.output).toBe(0);
      const [migration] = project.migrations();
      const statements = statementsOf(migration ?? '');
      expect(
        statements.some(
          (statement) =>
            statement.startsWith(`CREATE TABLE \`${kitTable}\``) ||
            statement.startsWith(`CREATE TABLE "${kitTable}"`),
        ),
      ).toBe(true);
      expect(statements.join('\n')).not.toMatch(/DROP/i);

      const folder = { migrationsFolder: join(project.dir, 'drizzle'), migrationsTable: journal };
      if (name === 'postgresql') await migratePg(database.db, { ...folder, migrationsSchema: journal });
      else if (name === 'mariadb') await migrateMysql(database.db, folder);
      else migrateSqlite(database.db, folder);
      await ref.migrate();
      const reference = await describeTable(database.sql, dialect, refTable);
      expect(reference.columns).toHaveLength(24);
      expect(reference.indexes).toHaveLength({ postgresql: 6, mariadb: 5, sqlite: 5 }[name]);

      if (name === 'mariadb') {
        // drizzle-kit cannot set a collation: the columns get the database default.
        expect(await describeTable(database.sql, dialect, kitTable)).toEqual(
          await describeTable(database.sql, dialect, refTable),
        );
        // The key-lock rows are `dispatch migrate`'s; until it runs the store says so.
        await expect(store.claim({ owner: 'w', limit: 1, leaseMs: 1000 })).rejects.toThrow(
          /dispatch migrate/,
        );
      } else {
        expect(await describeTable(database.sql, dialect, kitTable)).toEqual(
          await describeTable(database.sql, dialect, refTable),
        );
      }

      // `dispatch migrate` on top of the drizzle-kit table changes nothing and loses nothing.
      await store.migrate();
      const event = makeNewEvent({ key: 'k' });
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      await store.migrate();
      expect(await describeTable(database.sql, dialect, kitTable)).toEqual(
        await describeTable(database.sql, dialect, refTable),
      );
      const [claimed] = await store.claim({ owner: 'w', limit: 1, leaseMs: 10_000 });
      expect(claimed?.id).toBe(event.id);
      expect(await store.record('w', [{ id: event.id, status: 'published' }])).toEqual({
        applied: [event.id],
        lost: [],
      });

      if (name === 'mariadb') {
        // The store warns about the case-insensitive ids, and the README's ALTER makes the tables equal.
        expect(
          logger.lines.some((line) => line.level === 'warn' && /case-insensitively/.test(line.message)),
        ).toBe(true);
        await database.sql(`ALTER TABLE ${kitTable} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
        expect(await describeTable(database.sql, dialect, kitTable, { collation: true })).toEqual(
          await describeTable(database.sql, dialect, refTable, { collation: true }),
        );
      }

      const again = await project.kit('generate');
      expect(again.code, again.output).toBe(0);
      expect(again.output).toMatch(/No schema changes/);
      expect(project.migrations()).toHaveLength(1);
    } finally {
      await store.close();
      await ref.close();
      await dropOutbox(database, kitTable);
      await dropOutbox(database, refTable);
      if (name === 'postgresql') await database.sql(`DROP SCHEMA IF EXISTS ${journal} CASCADE`);
      else await database.sql(`DROP TABLE IF EXISTS ${journal}`);
      await database.close();
      project.remove();
    }
  });
});
