import { outboxSchemaSql } from '@dispatch/store-sql';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { detectDialect } from './detect-dialect.js';
import type { DataSourceLike } from './typeorm-types.js';

export interface OutboxMigrationOptions {
  /** The store's `tableName`. @default 'outbox_events' */
  tableName?: string | undefined;
  /**
   * The migration's name in TypeORM's migrations table, ending in a JavaScript timestamp as TypeORM
   * requires. Without it TypeORM takes the class name: extend the class under a name of your own.
   */
  name?: string | undefined;
}

export type OutboxMigrationClass = new () => MigrationInterface;

/**
 * A TypeORM migration class that creates the outbox table and its indexes (on MariaDB/MySQL also
 * the key-lock table): the same idempotent DDL as `dispatch migrate`, for the database of the
 * DataSource it runs on (`queryRunner.connection.options.type`). `down()` drops them.
 *
 * ```ts
 * export class DispatchOutbox1767225600000 extends createOutboxMigration() {}
 * // new DataSource({ ..., migrations: [DispatchOutbox1767225600000] })
 * ```
 */
export function createOutboxMigration(options: OutboxMigrationOptions = {}): OutboxMigrationClass {
  const statements = (queryRunner: QueryRunner) =>
    outboxSchemaSql({
      dialect: detectDialect(queryRunner.connection as unknown as DataSourceLike),
      tableName: options.tableName,
    });
  return class OutboxMigration implements MigrationInterface {
    declare name?: string;

    constructor() {
      if (options.name) this.name = options.name;
    }

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const sql of statements(queryRunner).up) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      for (const sql of statements(queryRunner).down) await queryRunner.query(sql);
    }
  };
}
