import { hasErrorCode, StoreNotReadyError } from '@dispatch/core';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor, SqlRow } from './executor.js';
import { type TableNames, tableNames } from './schema.js';
import { fnv1a } from './sql-text.js';

/** How many rendered statement texts a table keeps. */
const RENDERED_KEPT = 256;

/** Facts about one outbox table that every statement needs. */
export interface SqlTableSettings {
  tableName: string;
  /** PostgreSQL: the NOTIFY channel, or false. */
  notifyChannel: string | false;
  /** PostgreSQL: use `executor.prepared` for the hot statements. */
  preparedStatements: boolean;
  /** Appended to "run `dispatch migrate`" in the missing-table error, e.g. an ORM's migration. */
  migrationHint?: string | undefined;
}

/**
 * One outbox table on one executor: renders each statement for the dialect and runs it, turning
 * "no such table" into the error that says to run `dispatch migrate`.
 */
export class SqlTable {
  readonly executor: SqlExecutor;
  readonly dialect: SqlDialect;
  readonly names: TableNames;
  /** The quoted table name. */
  readonly t: string;
  /** The database clock as epoch milliseconds. */
  readonly now: string;
  readonly channel: string | false;
  readonly preparedStatements: boolean;
  /** Namespace of the per-key locks (PostgreSQL advisory locks), distinct per table. */
  readonly lockNamespace: number;
  /** Statement texts built once per shape (the prepared claim). */
  readonly texts = new Map<string, string>();
  readonly #hint: string;
  /** Statement texts as the dialect renders them: the same few shapes are run over and over. */
  readonly #rendered = new Map<string, string>();

  constructor(executor: SqlExecutor, dialect: SqlDialect, settings: SqlTableSettings) {
    this.executor = executor;
    this.dialect = dialect;
    this.names = tableNames(settings.tableName);
    this.t = dialect.quote(settings.tableName);
    this.now = dialect.now;
    this.channel = dialect.name === 'postgresql' ? settings.notifyChannel : false;
    this.preparedStatements =
      dialect.name === 'postgresql' && settings.preparedStatements && executor.prepared !== undefined;
    this.lockNamespace = fnv1a(`dispatch:${settings.tableName}`);
    this.#hint = settings.migrationHint ? ` (${settings.migrationHint})` : '';
  }

  q(name: string): string {
    return this.dialect.quote(name);
  }

  async query(sql: string, params: readonly unknown[] = [], transaction?: unknown): Promise<SqlRow[]> {
    try {
      return await this.executor.query(this.#render(sql), params, transaction);
    } catch (error) {
      throw this.notReady(error) ?? error;
    }
  }

  async run(sql: string, params: readonly unknown[] = [], transaction?: unknown): Promise<number> {
    try {
      return await this.executor.run(this.#render(sql), params, transaction);
    } catch (error) {
      throw this.notReady(error) ?? error;
    }
  }

  #render(sql: string): string {
    let text = this.#rendered.get(sql);
    if (text === undefined) {
      // Bounded: statements with per-batch lists take many shapes, and none is worth keeping long.
      if (this.#rendered.size >= RENDERED_KEPT) this.#rendered.clear();
      text = this.dialect.render(sql);
      this.#rendered.set(sql, text);
    }
    return text;
  }

  /** A named prepared statement (text already in `$n` form); undefined when the executor has none. */
  async prepared(text: string, params: readonly unknown[]): Promise<SqlRow[] | undefined> {
    if (!this.preparedStatements || !this.executor.prepared) return undefined;
    try {
      return await this.executor.prepared(`dispatch_${(fnv1a(text) >>> 0).toString(36)}`, text, params);
    } catch (error) {
      throw this.notReady(error) ?? error;
    }
  }

  notReady(error: unknown): StoreNotReadyError | undefined {
    let missing = false;
    try {
      missing = this.executor.isMissingTable(error);
    } catch {
      missing = false;
    }
    if (!missing) return undefined;
    return new StoreNotReadyError(
      `The outbox table "${this.names.table}" does not exist. Run \`dispatch migrate\`${this.#hint} and start again.`,
      { cause: error },
    );
  }

  /** The message for a table that is there but not as the store needs it. */
  outOfDate(error: unknown): StoreNotReadyError {
    // A missing table was already said as such (by `notReady`): saying it twice helps nobody.
    if (hasErrorCode(error, 'DISPATCH_STORE_NOT_READY')) return error as StoreNotReadyError;
    return new StoreNotReadyError(
      `The outbox table "${this.names.table}" is missing or out of date (${(error as Error).message}). ` +
        `Run \`dispatch migrate\`${this.#hint} and start again.`,
      { cause: error },
    );
  }
}
