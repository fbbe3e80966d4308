import type { StoreCapabilities } from '@dispatch/core';
import type { SqlDialectName } from './executor.js';

/**
 * What an SQL store on top of this engine can do, for its definition's `capabilities`: it always
 * writes in the caller's transaction; it wakes workers only on PostgreSQL (LISTEN/NOTIFY), with a
 * channel, and where the ORM adapter can hold a LISTEN connection (`listens`). `dialect` is the
 * adapter's own detection; one that cannot tell (options the store will refuse anyway) counts as
 * no wake-ups.
 */
export function sqlStoreCapabilities(input: {
  dialect: () => SqlDialectName;
  notifyChannel: string | false | undefined;
  listens?: boolean | undefined;
}): StoreCapabilities {
  let dialect: SqlDialectName | undefined;
  try {
    dialect = input.dialect();
  } catch {
    dialect = undefined;
  }
  return {
    transactions: true,
    wakeups: dialect === 'postgresql' && input.notifyChannel !== false && input.listens !== false,
  };
}
