import { Migration } from '@mikro-orm/migrations';
import { detectDialect } from './detect-dialect.js';
import type { EntityManagerLike } from './orm-types.js';
import { outboxSchemaSql } from './outbox-schema.js';

export interface OutboxMigrationOptions {
  /** @default 'outbox_events' */
  tableName?: string | undefined;
}

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/**
 * A MikroORM migration class that creates the outbox table and indexes (the same DDL as
 * `dispatch migrate`, idempotent). Add it to your migrations folder:
 *
 * ```ts
 * export class Migration20260101000000_outbox extends createOutboxMigration() {}
 * ```
 */
export function createOutboxMigration(options: OutboxMigrationOptions = {}): MigrationClass {
  return class OutboxMigration extends Migration {
    #sql() {
      const em = this.getEntityManager() as unknown as EntityManagerLike;
      return outboxSchemaSql({ dialect: detectDialect(em), tableName: options.tableName });
    }

    override async up(): Promise<void> {
      for (const sql of this.#sql().up) this.addSql(sql);
    }

    override async down(): Promise<void> {
      for (const sql of this.#sql().down) this.addSql(sql);
    }
  };
}
