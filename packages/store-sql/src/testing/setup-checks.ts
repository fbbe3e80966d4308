import { ConfigError, type OutboxStore } from '@dispatch/core';
import { expect } from 'vitest';

/**
 * Check a store whose server reports a version too old for claiming (the real server answers, its
 * version query rewritten): it migrates, and its claim is refused with the version it needs.
 */
export async function expectOldServerRefused(store: OutboxStore): Promise<void> {
  await store.migrate();
  const failure = store.claim({ owner: 'w1', limit: 1, leaseMs: 1000 });
  await expect(failure).rejects.toMatchObject({ code: 'DISPATCH_STORE_UNSUPPORTED' });
  await expect(failure).rejects.toThrow(/or later/);
}

/**
 * Check a store created on SQLite with a pg Pool (`pgPool`) and a schema-qualified `tableName`:
 * its first use refuses both with a ConfigError naming each option. `open` opens the ORM's client
 * on a test database (closed afterwards); `create` creates the store on the SQLite one with the
 * pg Pool of the PostgreSQL one.
 */
export async function expectSqliteOptionsRefused<Open extends { close(): Promise<void> }>(
  open: (database: 'sqlite' | 'postgresql') => Promise<Open>,
  create: (sqlite: Open, postgresql: Open) => Promise<OutboxStore>,
): Promise<void> {
  const sqlite = await open('sqlite');
  const postgresql = await open('postgresql');
  try {
    const failure = create(sqlite, postgresql).then((store) => store.migrate());
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(
      /OUTBOX_STORE\.OPTIONS\.tableName: SQLite takes a plain table name/,
    );
    await expect(failure).rejects.toThrow(/OUTBOX_STORE\.OPTIONS\.pgPool: is for PostgreSQL only/);
  } finally {
    await sqlite.close();
    await postgresql.close();
  }
}
