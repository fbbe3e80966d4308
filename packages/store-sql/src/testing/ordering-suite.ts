import type { OutboxStore } from '@dispatch/core';
import { makeNewEvent, sleep } from '@dispatch/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, type SuiteContext, uniqueTable } from './suite-context.js';

const KEYS = ['a', 'b', 'c', 'd'];

/** A small deterministic generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Per-key order in commit order, with producers whose transactions overlap and claimers that fail. */
export function orderingSuite(context: SuiteContext): void {
  describe('per-key ordering in commit order', () => {
    let opened: OpenedStore;
    let store: OutboxStore;
    // Ground truth for commit order: each transaction bumps its keys' counters just before
    // committing. The counter row stays locked until the commit, so per key the counter values
    // follow the order in which the transactions really committed (what a client observes can be
    // reordered by a few ms under load).
    const counters = uniqueTable('counters');
    let table: string;

    beforeAll(async () => {
      // SQLite keeps its single connection: in-process writers serialize on it.
      opened = await context.open('order', { connections: 12 });
      store = opened.store;
      table = opened.sql.quote(counters);
      await opened.sql.run(`CREATE TABLE ${table} (k VARCHAR(16) PRIMARY KEY, n INT NOT NULL)`);
      for (const key of KEYS) await opened.sql.run(`INSERT INTO ${table} (k, n) VALUES (?, 0)`, [key]);
    }, 60_000);

    afterAll(async () => {
      if (!opened) return;
      try {
        await opened.sql.run(`DROP TABLE IF EXISTS ${table}`);
      } finally {
        await opened.close();
      }
    });

    it('publishes each key in commit order with concurrent producers and failing claimers', async () => {
      const next = random(42);
      const ticks: { key: string; n: number; id: string }[] = [];
      const published: Record<string, string[]> = Object.fromEntries(KEYS.map((key) => [key, []]));
      let producing = true;

      // 6 producers, each a stream of transactions that write 1-2 keyed events and dawdle before
      // committing, so same-key transactions overlap and would commit out of sequence order unless
      // the store serializes them.
      const producer = async (n: number) => {
        for (let i = 0; i < 15; i++) {
          // Keys in one fixed order within a transaction, like the rows they stand for.
          const keys = [
            ...new Set(
              Array.from({ length: 1 + Math.floor(next() * 2) }, () => KEYS[Math.floor(next() * 4)]),
            ),
          ];
          const events = keys
            .sort()
            .map((key) => makeNewEvent({ key: key ?? 'a', data: { producer: n, i } }));
          const pause = Math.floor(next() * 6);
          await opened.transaction(async (transaction) => {
            for (const event of events) {
              await store.insert([event], { transaction, onCommit: () => {} });
              await sleep(pause);
            }
            for (const event of events) {
              await opened.sql.run(`UPDATE ${table} SET n = n + 1 WHERE k = ?`, [event.key], transaction);
              const [row] = await opened.sql.query(
                `SELECT n FROM ${table} WHERE k = ?`,
                [event.key],
                transaction,
              );
              ticks.push({ key: event.key!, n: Number(row?.n), id: event.id });
            }
          });
        }
      };

      const claimer = async (n: number) => {
        const owner = `claimer-${n}`;
        for (;;) {
          const batch = await store.claim({ owner, limit: 4, leaseMs: 30_000 });
          if (batch.length === 0) {
            if (!producing) {
              const { counts } = await store.stats();
              if (counts.pending + counts.retry + counts.processing === 0) return;
            }
            await sleep(3);
            continue;
          }
          await sleep(Math.floor(next() * 3));
          // A batch holds runs of keys: once an event of a key is not published, the worker gives
          // the rest of that key's run back unpublished, as the real worker does.
          const stopped = new Set<string>();
          await store.record(
            owner,
            batch.map((event) => {
              if (stopped.has(event.key!)) return { id: event.id, status: 'released' as const };
              const roll = next();
              if (roll < 0.3) stopped.add(event.key!);
              if (roll < 0.2) return { id: event.id, status: 'retry' as const, delayMs: 5, error: 'flaky' };
              if (roll < 0.3) return { id: event.id, status: 'released' as const };
              published[event.key!]!.push(event.id);
              return { id: event.id, status: 'published' as const };
            }),
          );
        }
      };

      const claimers = [1, 2, 3].map(claimer);
      try {
        await Promise.all([1, 2, 3, 4, 5, 6].map(producer));
      } finally {
        producing = false;
        await Promise.allSettled(claimers);
      }

      expect(ticks.length).toBeGreaterThan(100);
      const committed = Object.fromEntries(
        KEYS.map((key) => [
          key,
          ticks
            .filter((tick) => tick.key === key)
            .sort((a, b) => a.n - b.n)
            .map((tick) => tick.id),
        ]),
      );
      expect(published).toEqual(committed);
    }, 120_000);
  });
}
