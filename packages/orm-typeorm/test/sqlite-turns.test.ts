import { sleep } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { uniqueTable } from './databases.js';
import { event, ordersSetupForTests } from './harness.js';

// TypeORM's better-sqlite3 driver has one connection and one query runner for everything: two
// transactions open at the same time would nest into each other. The store makes
// dataSource.transaction() calls, and its own work, take turns on it.
describe('the one SQLite connection', () => {
  const outbox = uniqueTable('turns');
  const created: string[] = [];
  const setup = ordersSetupForTests('sqlite', { outbox, created });

  const customers = (customer: string) => setup.dataSource.getRepository(setup.orders).countBy({ customer });

  it('runs concurrent dataSource.transaction() calls one after the other, each committing or rolling back alone', async () => {
    const steps: string[] = [];
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((name) =>
        setup.dataSource.transaction(async (manager) => {
          steps.push(`${name} begins`);
          await manager.getRepository(setup.orders).insert({ customer: `turn-${name}` });
          const written = await setup.dispatch.publisher.publishEvent(event(name), { transaction: manager });
          await sleep(20);
          steps.push(`${name} ends`);
          if (name === 'b') throw new Error(`refused ${written.id}`);
          return written.id;
        }),
      ),
    );
    expect(steps).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
    expect(await customers('turn-a')).toBe(1);
    expect(await customers('turn-b')).toBe(0);
    expect(await customers('turn-c')).toBe(1);
    const [a, b, c] = results;
    for (const kept of [a, c]) {
      const id = (kept as PromiseFulfilledResult<string>).value;
      expect((await setup.dispatch.store.get(id))?.status).toBe('pending');
      expect(created).toContain(id);
    }
    const droppedId = String((b as PromiseRejectedResult).reason.message).split(' ')[1] as string;
    expect(await setup.dispatch.store.get(droppedId)).toBeNull();
    expect(created).not.toContain(droppedId);
  });

  it('holds a claim of its own until an open transaction ends, so the claim never joins it', async () => {
    const written = await setup.dispatch.publisher.publishEvent(event('due'));
    let claimedWhileOpen: number | undefined;
    let release = () => {};
    const open = setup.dataSource.transaction(async (manager) => {
      await manager.getRepository(setup.orders).insert({ customer: 'holding' });
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await sleep(20);
    const claim = setup.dispatch.store
      .claim({ owner: 'w-turns', limit: 100, leaseMs: 10_000 })
      .then((rows) => {
        claimedWhileOpen = rows.length;
        return rows;
      });
    await sleep(100);
    expect(claimedWhileOpen).toBeUndefined();
    release();
    await open;
    const rows = await claim;
    expect(rows.map((row) => row.id)).toContain(written.id);
  });

  it('inside a transaction, publishEvent without { transaction } joins it, and the store reads without waiting', async () => {
    let id = '';
    await expect(
      setup.dataSource.transaction(async (manager) => {
        await manager.getRepository(setup.orders).insert({ customer: 'joined' });
        id = (await setup.strict.publisher.publishEvent(event('joined'))).id;
        // The store's own read runs on the connection, inside this transaction, instead of waiting.
        expect((await setup.dispatch.store.get(id))?.status).toBe('pending');
        expect(created).not.toContain(id);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await setup.dispatch.store.get(id)).toBeNull();
    expect(await customers('joined')).toBe(0);
    expect(created).not.toContain(id);

    const kept = await setup.dataSource.transaction(() =>
      setup.strict.publisher.publishEvent(event('joined')),
    );
    expect(created).toContain(kept.id);
  });

  it('treats a dataSource.transaction() inside another one as a savepoint of it, as TypeORM does', async () => {
    let inner = '';
    await setup.dataSource.transaction(async (outer) => {
      const kept = await setup.dispatch.publisher.publishEvent(event('outer'), { transaction: outer });
      await expect(
        setup.dataSource.transaction(async (nested) => {
          inner = (await setup.dispatch.publisher.publishEvent(event('inner'), { transaction: nested })).id;
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
      expect((await setup.dispatch.store.get(kept.id))?.status).toBe('pending');
    });
    expect(await setup.dispatch.store.get(inner)).toBeNull();
  });
});
