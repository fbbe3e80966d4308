/** `schema.table` split into its parts; the schema is undefined for a plain name. */
export function splitTableName(tableName: string): { schema: string | undefined; base: string } {
  const dot = tableName.indexOf('.');
  return dot < 0
    ? { schema: undefined, base: tableName }
    : { schema: tableName.slice(0, dot), base: tableName.slice(dot + 1) };
}

export const DEFAULT_OUTBOX_TABLE = 'outbox_events';

/** Statuses an event can still be claimed or held in; the partial indexes cover only these rows. */
export const NON_FINAL_SQL = "status IN ('pending', 'retry', 'processing')";

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

/**
 * The same rule as the store's `tableName` option, so that a schema file cannot describe a table
 * the store would refuse. A TypeError: this entry point loads without Dispatch's runtime.
 */
export function checkTableName(caller: string, tableName: unknown, qualified: boolean): string {
  const parts = typeof tableName === 'string' ? tableName.split('.') : [];
  const valid =
    parts.length >= 1 && parts.length <= (qualified ? 2 : 1) && parts.every((part) => identifier.test(part));
  if (!valid) {
    throw new TypeError(
      `${caller}(tableName): expected the store's tableName, letters, digits and underscores of at most 50 characters${
        qualified ? ', optionally schema.table' : ' (a plain name on SQLite)'
      }; got ${JSON.stringify(tableName)}`,
    );
  }
  return tableName as string;
}
