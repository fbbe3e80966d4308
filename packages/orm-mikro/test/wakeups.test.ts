import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mikroOrmStore } from '../src/index.js';
import { dropOutbox, openOrm, uniqueTable } from './databases.js';

describe('LISTEN/NOTIFY wake-ups on postgresql', () => {
  let orm: MikroORM;
  let store: OutboxStore;
  let other: OutboxStore;
  let tableName: string;

  beforeAll(async () => {
    orm = await openOrm('postgresql');
    tableName = uniqueTable('wake');
    store = await createStore(mikroOrmStore, { orm, tableName }, { logger: silentLogger });
    other = await createStore(
      mikroOrmStore,
      { orm, tableName, notifyChannel: false },
      { logger: silentLogger },
    );
    await store.migrate();
  });

  afterAll(async () => {
    await store.close();
    await other.close();
    await dropOutbox(orm, 'postgresql', tableName);
    await orm.close(true);
  });

  const waitFor = async (check: () => boolean, ms: number) => {
    for (let waited = 0; !check() && waited < ms; waited += 10) await sleep(10);
  };

  it('wakes only once the inserting transaction commits, and never for a rollback', async () => {
    let woken = 0;
    const unsubscribe = await store.subscribe(() => woken++);
    try {
      await orm.em.fork().transactional(async (em) => {
        await store.insert([makeNewEvent()], { transaction: em, onCommit: () => {} });
        await sleep(300);
        expect(woken).toBe(0);
      });
      await waitFor(() => woken > 0, 2000);
      expect(woken).toBe(1);

      await expect(
        orm.em.fork().transactional(async (em) => {
          await store.insert([makeNewEvent()], { transaction: em, onCommit: () => {} });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await sleep(300);
      expect(woken).toBe(1);
    } finally {
      await unsubscribe();
    }
  });

  it('sends nothing with notifyChannel: false, and stops after unsubscribe', async () => {
    let woken = 0;
    const unsubscribe = await store.subscribe(() => woken++);
    await other.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
    await sleep(300);
    expect(woken).toBe(0);
    await unsubscribe();
    await store.insert([makeNewEvent()], { transaction: undefined, onCommit: () => {} });
    await sleep(300);
    expect(woken).toBe(0);
  });

  it('wakes on requeue, so an operator retry does not wait for the poll', async () => {
    const [event] = [makeNewEvent()];
    await store.insert([event!], { transaction: undefined, onCommit: () => {} });
    await store.fail([event!.id], 'operator');
    let woken = 0;
    const unsubscribe = await store.subscribe(() => woken++);
    try {
      expect(await store.requeue([event!.id])).toBe(1);
      await waitFor(() => woken > 0, 2000);
      expect(woken).toBe(1);
    } finally {
      await unsubscribe();
    }
  });
});
