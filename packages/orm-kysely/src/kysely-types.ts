import type { Kysely, Transaction } from 'kysely';

/** A Kysely instance (or transaction) on any database schema: the store never looks at your tables. */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own migrations type `db` this way; any schema fits.
export type AnyKysely = Kysely<any>;

/** A Kysely transaction on any database schema. */
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type AnyTransaction = Transaction<any>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** A `Kysely` instance or one of its transactions, told by shape so duplicate Kysely copies still match. */
export function isKysely(value: unknown): value is AnyKysely {
  return (
    isObject(value) &&
    typeof value.getExecutor === 'function' &&
    typeof value.executeQuery === 'function' &&
    typeof value.withoutPlugins === 'function' &&
    typeof value.isTransaction === 'boolean'
  );
}

/**
 * `db.transaction()` (`execute(callback)`) or, with `controlled`, `db.startTransaction()`
 * (`execute()` with no argument), possibly with an isolation level set.
 */
export function isTransactionBuilder(
  value: unknown,
  controlled: boolean,
): value is {
  execute(...args: unknown[]): Promise<unknown>;
} {
  if (!isObject(value) || typeof value.setIsolationLevel !== 'function') return false;
  const execute = value.execute;
  return typeof execute === 'function' && (execute.length === 0) === controlled;
}

/** The adapter object Kysely shares between an instance, its `withPlugin` copies and its transactions. */
export function adapterOf(db: AnyKysely): unknown {
  return db.getExecutor().adapter;
}

/** What a value is, for an error message, without printing any of its contents. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'a plain object';
}
