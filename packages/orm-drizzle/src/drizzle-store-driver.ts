import type { Logger } from '@dispatch/core';
import { type SqlDialectName, SqlStoreDriver, type SqlStoreSettings } from '@dispatch/store-sql';
import { DrizzleExecutor } from './drizzle-executor.js';
import { splitTableName } from './table-names.js';

/** The SQL store's settings, less the hints this adapter writes, plus the driver client and dialect. */
export interface DriverSettings extends Omit<SqlStoreSettings, 'migrationHint' | 'transactionHint'> {
  /** `db.$client`. */
  client: object;
  dialect: SqlDialectName;
}

const SCHEMA_EXPORT: Record<SqlDialectName, string> = {
  postgresql: 'outboxTablePg()',
  mysql: 'outboxTableMysql() and outboxKeyLocksTableMysql()',
  sqlite: 'outboxTableSqlite()',
};

/** The SQL outbox store (`@dispatch/store-sql`) on a Drizzle database's driver client. */
export class DrizzleStoreDriver extends SqlStoreDriver {
  readonly #executor: DrizzleExecutor;
  readonly #tableName: string;
  readonly #logger: Logger;

  constructor(settings: DriverSettings) {
    const executor = new DrizzleExecutor(settings.client, settings.dialect, settings.logger);
    super(executor, {
      ...settings,
      migrationHint: `or list ${SCHEMA_EXPORT[settings.dialect]} from @dispatch/orm-drizzle/schema in your Drizzle schema for drizzle-kit`,
      transactionHint:
        'call publishEvent inside withOutboxTransaction(db, async (tx) => ...) from @dispatch/orm-drizzle, or pass { transaction: tx } from it',
    });
    this.#executor = executor;
    this.#tableName = settings.tableName;
    this.#logger = settings.logger;
  }

  override async connect(): Promise<void> {
    await super.connect();
    if (this.#executor.dialect === 'mysql') await this.#checkCollation();
  }

  /**
   * drizzle-kit cannot give a MariaDB/MySQL table a collation, so a table it created compares ids
   * with the database default, usually case-insensitively: two ids differing only in case would
   * count as one event and the second would be skipped as a duplicate. Say so, once, at connect.
   */
  async #checkCollation(): Promise<void> {
    const { schema, base } = splitTableName(this.#tableName);
    const rows = await this.#executor
      .query(
        `SELECT collation_name AS c FROM information_schema.columns WHERE table_schema = ${schema === undefined ? 'DATABASE()' : '?'} AND table_name = ? AND column_name = 'id'`,
        schema === undefined ? [base] : [schema, base],
      )
      // Only a warning: a user who cannot read information_schema still gets a working store.
      .catch(() => []);
    const collation = String(rows[0]?.c ?? rows[0]?.C ?? '');
    if (collation === '' || /_bin$|_cs$/.test(collation)) return;
    this.#logger.warn(
      { table: this.#tableName, collation },
      `the outbox table compares ids case-insensitively (${collation}): ids that differ only in case collide. Run ALTER TABLE ${this.#tableName} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin once (dispatch migrate creates it so)`,
    );
  }
}
