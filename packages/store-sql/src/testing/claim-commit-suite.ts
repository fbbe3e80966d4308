import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenedStore, SuiteContext } from './suite-context.js';

/**
 * PostgreSQL: the claim commits without waiting for its WAL flush (`set_config(..., true)` inside
 * the statement). The setting must end with the claim: the pool's connections also carry the
 * application's own transactions, which must keep the server's synchronous commit.
 */
export function claimCommitSuite(context: SuiteContext): void {
  describe.skipIf(context.dialect !== 'postgresql')('the claim commit on PostgreSQL', () => {
    for (const preparedStatements of [true, false]) claimCommitWith(context, preparedStatements);
  });
}

function claimCommitWith(context: SuiteContext, preparedStatements: boolean): void {
  describe(`preparedStatements: ${preparedStatements}`, () => {
    let opened: OpenedStore;
    let store: OutboxStore;

    beforeAll(async () => {
      // One pooled connection: the statement after the claim runs where the claim ran.
      opened = await context.open(preparedStatements ? 'commit_prep' : 'commit', {
        options: { preparedStatements },
        connections: 1,
      });
      store = opened.store;
    }, 60_000);

    afterAll(() => opened?.close());

    const synchronousCommit = async () => {
      const [row] = await opened.sql.query('SHOW synchronous_commit');
      return row?.synchronous_commit;
    };
    const backend = async () => (await opened.sql.query('SELECT pg_backend_pid() AS pid'))[0]?.pid;

    it('leaves the connection with the server setting after claiming', async () => {
      const connection = await backend();
      expect(await synchronousCommit()).toBe('on');
      const event = makeNewEvent();
      await store.insert([event], { transaction: undefined, onCommit: () => {} });
      const claimed = await store.claim({ owner: 'w1', limit: 10, leaseMs: 30_000 });
      expect(claimed.map((e) => e.id)).toEqual([event.id]);
      expect(await synchronousCommit()).toBe('on');
      // An empty claim too.
      expect(await store.claim({ owner: 'w1', limit: 10, leaseMs: 30_000 })).toEqual([]);
      expect(await synchronousCommit()).toBe('on');
      // Still the one connection (open() honoured `connections: 1`), so the checks saw the claim's.
      expect(await backend()).toBe(connection);
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
  });
}
