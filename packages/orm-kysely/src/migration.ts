import { InvalidArgumentError } from '@dispatch/core';
import { outboxSchemaSql, type SqlDialectName, sqlStoreOptionFields } from '@dispatch/store-sql';
import { CompiledQuery } from 'kysely';
import { detectDialect } from './detect-dialect.js';
import type { AnyKysely } from './kysely-types.js';

export interface OutboxMigrationOptions {
  /** @default 'outbox_events' */
  tableName?: string | undefined;
  /** @default detected from the `db` the Migrator passes (its dialect adapter) */
  dialect?: SqlDialectName | undefined;
}

/** A Kysely `Migration`: what a `Migrator`'s provider returns for one migration. */
export interface OutboxMigration {
  up(db: AnyKysely): Promise<void>;
  down(db: AnyKysely): Promise<void>;
}

/**
 * A Kysely migration that creates the outbox table and its indexes (the same DDL as
 * `dispatch migrate`; `up` is idempotent) and whose `down` drops them. In a migrations folder read
 * by `FileMigrationProvider`:
 *
 * ```ts
 * // migrations/2026-01-01-outbox.ts
 * import { createOutboxMigration } from '@dispatch/orm-kysely';
 *
 * export const { up, down } = createOutboxMigration({ tableName: 'outbox_events' });
 * ```
 */
export function createOutboxMigration(options: OutboxMigrationOptions = {}): OutboxMigration {
  const tableName = sqlStoreOptionFields.tableName.safeParse(options.tableName);
  if (!tableName.success) {
    throw new InvalidArgumentError(
      `createOutboxMigration({ tableName }): ${tableName.error.issues[0]?.message ?? 'invalid'}, got ` +
        `${JSON.stringify(options.tableName)}.`,
    );
  }
  const dialects = ['postgresql', 'mysql', 'sqlite', undefined];
  if (!dialects.includes(options.dialect)) {
    throw new InvalidArgumentError(
      `createOutboxMigration({ dialect }): expected 'postgresql', 'mysql' or 'sqlite', got ${JSON.stringify(options.dialect)}.`,
    );
  }
  const statements = (db: AnyKysely) =>
    outboxSchemaSql({ dialect: options.dialect ?? detectDialect(db), tableName: tableName.data });
  const run = async (db: AnyKysely, sql: readonly string[]) => {
    for (const statement of sql) await db.executeQuery(CompiledQuery.raw(statement));
  };
  return {
    up: (db) => run(db, statements(db).up),
    down: (db) => run(db, statements(db).down),
  };
}
