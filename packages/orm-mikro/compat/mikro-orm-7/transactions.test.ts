import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, dropTables, openOrm, uniqueTable } from './databases.js';

describe.each(['postgresql', 'mariadb'] as Database[])('MikroORM 7 transactions on %s', (db) => {
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let store: OutboxStore;
  const tableName = uniqueTable('tx');
  const committed: string[] = [];

  beforeAll(async () => {
    orm = await openOrm(db);
    store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await dropTables(orm, tableName, `${tableName}_key_locks`);
    await orm.close(true);
  });

  const write = async (transaction: unknown) => {
    const event = makeNewEvent();
    await store.insert([event], { transaction, onCommit: () => committed.push(event.id) });
    return event.id;
  };

  it('commits and rolls back with an explicit em and with the ambient context', async () => {
    const explicit = await orm.em.fork().transactional((em) => write(em));
    const ambient = await orm.em.transactional(() => write(undefined));
    let rolledBack = '';
    await expect(
      orm.em.transactional(async () => {
        rolledBack = await write(undefined);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    for (const id of [explicit, ambient]) {
      expect((await store.get(id))?.status).toBe('pending');
      expect(committed).toContain(id);
    }
    expect(await store.get(rolledBack)).toBeNull();
    expect(committed).not.toContain(rolledBack);
  });

  it('waits for the outer transaction, and drops the events of a rolled-back savepoint', async () => {
    let inner = '';
    let dropped = '';
    await orm.em.fork().transactional(async (outer) => {
      await outer.transactional(async (nested) => {
        inner = await write(nested);
      });
      // MikroORM 7 reports the savepoint release as a commit: the callback must still wait.
      expect(committed).not.toContain(inner);
      await expect(
        outer.transactional(async (nested) => {
          dropped = await write(nested);
          throw new Error('savepoint refused');
        }),
      ).rejects.toThrow('savepoint refused');
    });
    expect(committed).toContain(inner);
    expect(committed).not.toContain(dropped);
    expect((await store.get(inner))?.status).toBe('pending');
    expect(await store.get(dropped)).toBeNull();
  });
});
