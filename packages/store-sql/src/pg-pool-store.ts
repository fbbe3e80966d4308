import { ConfigError, defineStore, type Logger, type StoreDefinition } from '@dispatch/core';
import { z } from 'zod';
import { sqlStoreCapabilities } from './capabilities.js';
import type { SqlDialectName, SqlExecutor } from './executor.js';
import {
  dialectOptionField,
  resolveSqlStoreOptions,
  type SqlStoreOptions,
  sqlStoreOptionFields,
} from './options.js';
import type { PgPoolLike } from './pg-pool-access.js';
import { SqlStoreDriver } from './sql-store.js';

/** The options of an ORM store that is told the database family and given the pg Pool its ORM hides. */
export interface PgPoolStoreOptions extends SqlStoreOptions {
  dialect?: SqlDialectName | undefined;
  pgPool?: PgPoolLike | undefined;
}

/**
 * Zod fields for `PgPoolStoreOptions`, next to the ORM's own; `poolHint` says which pool in the error
 * about `pgPool`: 'the one your PostgresDialect uses'. The pool is told by shape: this package does
 * not import pg.
 */
export function pgPoolStoreOptionFields(poolHint: string) {
  return {
    dialect: dialectOptionField,
    pgPool: z
      .custom<PgPoolLike>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as PgPoolLike).query === 'function' &&
          typeof (value as PgPoolLike).Client === 'function',
        { error: `expected a pg Pool (new pg.Pool(...), ${poolHint})` },
      )
      .optional(),
    ...sqlStoreOptionFields,
  };
}

/** What an ORM store made by `definePgPoolSqlStore` says of its own. */
export interface PgPoolSqlStoreSpec<Options extends PgPoolStoreOptions> {
  /** The definition's `type`: 'kysely', 'prisma'. */
  readonly type: string;
  readonly options: StoreDefinition<Options, Options>['options'];
  /** The database family of the ORM handle in `options`, asked only when `options.dialect` is unset. */
  detectDialect(options: Options): SqlDialectName;
  /** What the error about a `pgPool` off PostgreSQL calls the ORM handle: 'db', 'client'. */
  readonly handleNoun: string;
  /** The ORM's executor; `options.pgPool` is set only on PostgreSQL by then. */
  executor(options: Options, dialect: SqlDialectName, logger: Logger): SqlExecutor;
  /** How else to create the table, in the error about a missing one (`SqlStoreDriver`'s `migrationHint`). */
  migrationHint(dialect: SqlDialectName): string;
  /** How to pass a transaction in this ORM (`SqlStoreDriver`'s `transactionHint`). */
  readonly transactionHint: string;
}

/**
 * The definition of an SQL store on an ORM that keeps its pg Pool private: the application passes
 * it as `pgPool` for LISTEN wake-ups and prepared statements. Creating the store does no I/O;
 * `connect()` checks the database version and the table.
 */
export function definePgPoolSqlStore<Options extends PgPoolStoreOptions>(
  spec: PgPoolSqlStoreSpec<Options>,
): StoreDefinition<Options, Options> {
  const dialectOf = (options: Options) => options.dialect ?? spec.detectDialect(options);
  return defineStore<Options, Options>({
    type: spec.type,
    options: spec.options,
    // LISTEN needs a connection of its own, which the ORM does not lend: only with `pgPool`.
    capabilities: (options) =>
      sqlStoreCapabilities({
        dialect: () => dialectOf(options),
        notifyChannel: options.notifyChannel,
        listens: options.pgPool !== undefined,
      }),
    create(options, { logger }) {
      const settings = resolveSqlStoreOptions(options);
      const dialect = dialectOf(options);
      const issues: { path: string; message: string }[] = [];
      if (dialect === 'sqlite' && settings.tableName.includes('.')) {
        issues.push({
          path: 'OUTBOX_STORE.OPTIONS.tableName',
          message: `SQLite takes a plain table name, got "${settings.tableName}"`,
        });
      }
      if (options.pgPool && dialect !== 'postgresql') {
        issues.push({
          path: 'OUTBOX_STORE.OPTIONS.pgPool',
          message: `is for PostgreSQL only, and this ${spec.handleNoun} speaks ${dialect}: remove it`,
        });
      }
      if (issues.length > 0) throw new ConfigError(issues);
      return new SqlStoreDriver(spec.executor(options, dialect, logger), {
        ...settings,
        logger,
        migrationHint: spec.migrationHint(dialect),
        transactionHint: spec.transactionHint,
      });
    },
  });
}
