import { createStore, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mikroOrmStore } from '../src/index.js';
import { dropOutbox, openOrm, uniqueTable } from './databases.js';

// The claim commits without waiting for its WAL flush (set_config(..., true) inside the statement).
// The setting must end with the claim: the pool's connections also carry the application's own
// transactions, which must keep the server's synchronous commit.
describe.each([{ preparedStatements: true }, { preparedStatements: false }])(
  'the claim commit on PostgreSQL (preparedStatements: $preparedStatements)',
  ({ preparedStatements }) => {
    let orm: MikroORM;
    let store: OutboxStore;
    const tableName = uniqueTable(preparedStatements ? 'commit_prep' : 'commit');

    beforeAll(async () => {
      // One pooled connection: the statement after the claim runs where the claim ran.
      orm = await openOrm('postgresql', { pool: { min: 1, max: 1 } });
      store = await createStore(
        mikroOrmStore,
        { orm, tableName, preparedStatements },
        { logger: silentLogger },
      );
      await store.migrate();
    });

    afterAll(async () => {
      await store.close();
      await dropOutbox(orm, 'postgresql', tableName);
      await orm.close(true);
    });

    const synchronousCommit = async () => {
      const rows = (await orm.em.getConnection().execute('SHOW synchronous_commit', [], 'all')) as {
        synchronous_commit: string;
      }[];
      return rows[0]?.synchronous_commit;
    };

    it('leaves the connection with the server setting after claiming', async () => {
      expect(await synchronousCommit()).toBe('on');
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      const claimed = await store.claim({ owner: 'w1', limit: 10, leaseMs: 30_000 });
      expect(claimed.map((e) => e.id)).toEqual([event.id]);
      expect(await synchronousCommit()).toBe('on');
      // An empty claim too.
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await synchronousCommit()).toBe('on');
    });

    it('keeps the lease it committed', async () => {
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      const [claimed] = await store.claim({ owner: 'w2', limit: 10, leaseMs: 30_000 });
      expect(claimed?.id).toBe(event.id);
      const stored = await store.get(event.id);
      expect(stored).toMatchObject({ status: 'processing', attempts: 1 });
      expect(stored?.lockedUntil?.getTime()).toBeGreaterThan(Date.now() + 20_000);
    });
  },
);
