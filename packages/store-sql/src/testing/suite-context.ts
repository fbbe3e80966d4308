import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { InvalidArgumentError } from '@dispatch/core';
import type { SqlDialectName, SqlExecutor, SqlRow } from '../executor.js';
import type { SqlStoreOptions } from '../options.js';
import { numberedPlaceholders } from '../sql-text.js';
import type { SqlStoreCapabilities, SqlStoreSuiteOptions, SqlStoreUnderTest } from './suite-options.js';

const DIALECTS: readonly SqlDialectName[] = ['postgresql', 'mysql', 'sqlite'];
const CAPABILITIES: readonly (keyof SqlStoreCapabilities)[] = ['crossProcess', 'wakeups', 'savepoints'];

const shown = (value: unknown) => (typeof value === 'function' ? 'a function' : JSON.stringify(value));

/** Every problem with the options at once, so a new adapter's test file is fixed in one go. */
export function checkSuiteOptions(options: SqlStoreSuiteOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(
      `runSqlStoreSuites expects an options object ({ name, dialect, open, ... }), got ${shown(options)}.`,
    );
  }
  const problems: string[] = [];
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    problems.push(`name: expected the suite title, e.g. 'kysely (postgresql)', got ${shown(options.name)}`);
  }
  if (!DIALECTS.includes(options.dialect)) {
    problems.push(
      `dialect: expected 'postgresql', 'mysql' (MariaDB too) or 'sqlite', got ${shown(options.dialect)}`,
    );
  }
  if (typeof options.open !== 'function') {
    problems.push(`open: expected a function that opens a migrated store, got ${shown(options.open)}`);
  }
  for (const hook of ['setup', 'teardown'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      problems.push(`${hook}: expected a function, got ${shown(options[hook])}`);
    }
  }
  const capabilities = options.capabilities ?? {};
  for (const [key, value] of Object.entries(capabilities)) {
    if (!CAPABILITIES.includes(key as keyof SqlStoreCapabilities)) {
      problems.push(`capabilities.${key}: unknown; the capabilities are ${CAPABILITIES.join(', ')}`);
    } else if (value !== undefined && typeof value !== 'boolean') {
      problems.push(`capabilities.${key}: expected true or false, got ${shown(value)}`);
    }
  }
  const module = options.claimerModule;
  if (module !== undefined && (typeof module !== 'string' || !isAbsolute(module))) {
    problems.push(
      `claimerModule: expected an absolute path (join(import.meta.dirname, ...)), got ${shown(module)}`,
    );
  } else if (module !== undefined && !existsSync(module)) {
    problems.push(`claimerModule: no file at ${module}`);
  } else if (capabilities.crossProcess && module === undefined) {
    problems.push(
      'claimerModule: the crossProcess capability needs the absolute path of a module whose default export opens the store in a claimer process',
    );
  }
  if (problems.length > 0) {
    throw new InvalidArgumentError(
      `runSqlStoreSuites (${String(options.name)}): ${problems.join('; ')}. Nothing was run.`,
    );
  }
}

/** A table name no other run uses (random suffix), short enough for the index names. */
export function uniqueTable(group: string): string {
  return `ss_${group}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Raw SQL on the adapter's executor, written with `?` and rendered for the dialect. */
export class RawSql {
  constructor(readonly executor: SqlExecutor) {}

  quote(name: string): string {
    const mark = this.executor.dialect === 'mysql' ? '`' : '"';
    return name
      .split('.')
      .map((part) => `${mark}${part.replaceAll(mark, mark + mark)}${mark}`)
      .join('.');
  }

  #render(sql: string): string {
    return this.executor.dialect === 'postgresql' ? numberedPlaceholders(sql) : sql;
  }

  /** The executor's handle for what users pass as `{ transaction }`; undefined runs on its own. */
  #handle(transaction: unknown): unknown {
    if (transaction === undefined) return undefined;
    const caller = this.executor.callerTransaction(transaction);
    if (!caller) {
      throw new Error(
        'executor.callerTransaction() found no transaction in what transaction() passed to its work: it must return the open transaction',
      );
    }
    return caller.handle;
  }

  run(sql: string, params: readonly unknown[] = [], transaction?: unknown): Promise<number> {
    return this.executor.run(this.#render(sql), params, this.#handle(transaction));
  }

  query(sql: string, params: readonly unknown[] = [], transaction?: unknown): Promise<SqlRow[]> {
    return this.executor.query(this.#render(sql), params, this.#handle(transaction));
  }
}

/** An opened store, checked, with raw SQL on its executor. */
export interface OpenedStore extends SqlStoreUnderTest {
  tableName: string;
  sql: RawSql;
}

/** What every group gets: the options, and `open` with the result checked. */
export class SuiteContext {
  readonly capabilities: SqlStoreCapabilities;

  constructor(readonly options: SqlStoreSuiteOptions) {
    this.capabilities = options.capabilities ?? {};
  }

  get dialect(): SqlDialectName {
    return this.options.dialect;
  }

  /** Open a store for `group` on a fresh table (unless `options.tableName` names one). */
  async open(
    group: string,
    request: { options?: SqlStoreOptions; connections?: number } = {},
  ): Promise<OpenedStore> {
    const options = { ...request.options, tableName: request.options?.tableName ?? uniqueTable(group) };
    const opened = await this.options.open({ options, connections: request.connections });
    const problems: string[] = [];
    if (typeof opened?.store?.claim !== 'function') problems.push('store: expected the OutboxStore');
    if (typeof opened?.executor?.query !== 'function') problems.push('executor: expected its SqlExecutor');
    else if (opened.executor.dialect !== this.dialect) {
      problems.push(
        `executor.dialect is ${shown(opened.executor.dialect)}, the suite was told ${this.dialect}`,
      );
    }
    if (typeof opened?.transaction !== 'function') problems.push('transaction: expected a function');
    if (typeof opened?.close !== 'function') problems.push('close: expected a function');
    if (this.capabilities.savepoints && typeof opened?.savepoint !== 'function') {
      problems.push('savepoint: expected a function (the savepoints capability is declared)');
    }
    if (problems.length > 0) {
      await opened?.close?.();
      throw new InvalidArgumentError(
        `runSqlStoreSuites (${this.options.name}): open() resolved a store without what the suites need: ${problems.join('; ')}.`,
      );
    }
    // Called as methods, so an adapter may return a class instance.
    return {
      store: opened.store,
      executor: opened.executor,
      transaction: (work) => opened.transaction(work),
      savepoint:
        opened.savepoint &&
        (<T>(transaction: unknown, work: (nested: unknown) => Promise<T>) =>
          opened.savepoint!(transaction, work)),
      processContext: opened.processContext,
      close: () => opened.close(),
      tableName: options.tableName,
      sql: new RawSql(opened.executor),
    };
  }
}
