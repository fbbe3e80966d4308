import { makeNewEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { outboxSchemaSql } from '../outbox-schema.js';
import { expectEndToEnd } from './outbox-rows.js';
import { type SuiteContext, uniqueTable } from './suite-context.js';

async function currentDatabase(context: SuiteContext): Promise<string> {
  const probe = await context.open('probe');
  try {
    const [row] = await probe.sql.query('SELECT DATABASE() AS n');
    return String(row?.n);
  } finally {
    await probe.close();
  }
}

/** The table itself: a missing one is reported as such (`isMissingTable`), a qualified one works. */
export function tableSuite(context: SuiteContext): void {
  describe('the outbox table', () => {
    it('says to run `dispatch migrate` when the table is missing', async () => {
      const opened = await context.open('missing');
      const { store } = opened;
      try {
        // Connected and checked first, so what follows is the executor's "no such table".
        await store.stats();
        const { down } = outboxSchemaSql({ dialect: context.dialect, tableName: opened.tableName });
        for (const sql of down) await opened.sql.run(sql);
        const failure = store.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
        await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_NOT_READY' });
        await expect(failure).rejects.toThrow(/does not exist\. Run `dispatch migrate`/);
        // Also from inside a caller's transaction, and nothing is left half-written.
        await expect(
          opened.transaction((transaction) =>
            store.insert([makeNewEvent()], { transaction, onCommit: () => {} }),
          ),
        ).rejects.toThrow(/does not exist\. Run `dispatch migrate`/);
      } finally {
        await opened.close();
      }
    });

    it('migrate says whether it created the table, updated it or found it as needed', async () => {
      const opened = await context.open('migrate');
      const { store, sql, tableName } = opened;
      try {
        for (const statement of outboxSchemaSql({ dialect: context.dialect, tableName }).down)
          await sql.run(statement);
        expect(await store.migrate()).toEqual({ outcome: 'created', table: tableName });
        expect(await store.migrate()).toEqual({ outcome: 'unchanged', table: tableName });
        // An index lost (a hand-made change, or a table from an older version): migrate adds it.
        const index = sql.quote(`${tableName}_cleanup_idx`);
        await sql.run(
          context.dialect === 'mysql'
            ? `DROP INDEX ${index} ON ${sql.quote(tableName)}`
            : `DROP INDEX ${index}`,
        );
        expect(await store.migrate()).toEqual({ outcome: 'updated', table: tableName });
        expect(await store.migrate()).toEqual({ outcome: 'unchanged', table: tableName });
      } finally {
        await opened.close();
      }
    });

    it('says it once when the table is missing at the first use', async () => {
      const opened = await context.open('never');
      const { store } = opened;
      try {
        const { down } = outboxSchemaSql({ dialect: context.dialect, tableName: opened.tableName });
        for (const sql of down) await opened.sql.run(sql);
        // The first call connects, and the schema check is what meets the missing table.
        const error = await store.stats().then(
          () => undefined,
          (thrown: unknown) => thrown as Error,
        );
        expect(error).toMatchObject({ code: 'DISPATCH_STORE_NOT_READY' });
        expect(error?.message.match(/does not exist/g)).toHaveLength(1);
        expect(error?.message.match(/dispatch migrate/g)).toHaveLength(1);
        expect(error?.message).not.toContain('out of date');
      } finally {
        await opened.close();
      }
    });

    it.skipIf(context.dialect === 'sqlite')(
      'works end to end in a schema-qualified table (a database-qualified one on MariaDB/MySQL)',
      async () => {
        const postgresql = context.dialect === 'postgresql';
        // PostgreSQL: a schema of its own, which migrate creates; MariaDB/MySQL: the current database.
        const schema = postgresql ? uniqueTable('schema') : await currentDatabase(context);
        const opened = await context.open('qualified', {
          options: { tableName: `${schema}.${uniqueTable('qualified')}` },
        });
        const { store } = opened;
        try {
          await store.migrate();
          await store.migrate();
          await expectEndToEnd(store, opened.transaction);
        } finally {
          try {
            if (postgresql) await opened.sql.run(`DROP SCHEMA IF EXISTS ${opened.sql.quote(schema)} CASCADE`);
          } finally {
            await opened.close();
          }
        }
      },
    );
  });
}
