import { StoreUnsupportedError } from '@dispatch/core';
import type { SqlDialectName } from './executor.js';

function parts(version: string): number[] {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : [0, 0, 0];
}

function atLeast(version: string, minimum: [number, number, number]): boolean {
  const have = parts(version);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Refuse a database that lacks what claiming relies on, with a message that says what is needed.
 * `version` is what the server reports (`SHOW server_version`, `SELECT VERSION()`, `sqlite_version()`).
 */
export function checkVersion(kind: SqlDialectName, version: string): void {
  const refuse = (what: string) => {
    throw new StoreUnsupportedError(
      `The SQL outbox store needs ${what}; this database reports version ${version}. ` +
        'Upgrade the database (nothing was written).',
    );
  };
  if (kind === 'postgresql') {
    // SKIP LOCKED arrived in 9.5, identity columns in 10.
    if (!atLeast(version, [10, 0, 0]))
      refuse('PostgreSQL 10 or later (FOR UPDATE SKIP LOCKED, identity columns)');
  } else if (kind === 'mysql') {
    if (/mariadb/i.test(version)) {
      if (!atLeast(version, [10, 6, 0])) refuse('MariaDB 10.6 or later (FOR UPDATE SKIP LOCKED)');
    } else if (!atLeast(version, [8, 0, 1])) {
      refuse('MySQL 8.0.1 or later (FOR UPDATE SKIP LOCKED)');
    }
  } else if (!atLeast(version, [3, 35, 0])) {
    refuse('SQLite 3.35 or later (RETURNING)');
  }
}
