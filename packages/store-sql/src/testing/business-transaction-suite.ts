import type { Dispatch } from '@dispatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** What a way of opening a business transaction hands to its work. */
export interface BusinessHandles {
  /** What `writeRow` writes the business row with (undefined: the ORM's ambient transaction). */
  row?: unknown;
  /** What to pass to `publishEvent` as `{ transaction }`; undefined publishes without it. */
  transaction?: unknown;
}

/**
 * One way the ORM's users run work in a business transaction: commit when `work` resolves, roll
 * back (and rethrow) when it throws.
 */
export type BusinessTransactionWay = (work: (handles: BusinessHandles) => Promise<void>) => Promise<void>;

/** Open a transaction nested in `outer` the ORM's way (a savepoint), released when `work` resolves. */
export type NestTransaction = (outer: unknown, work: (nested: unknown) => Promise<void>) => Promise<void>;

export interface BusinessTransactionSuiteOptions {
  /**
   * The Dispatch on the store under test, read when the tests run (open it in a `beforeAll` of
   * the enclosing `describe`); the suite listens to its `created` hook.
   */
  dispatch(): Dispatch;
  /** Each way of the ORM's users to open a business transaction, by the name the tests show. */
  ways: Record<string, BusinessTransactionWay>;
  /** Write the business row of `customer` through `row` (a handle of `BusinessHandles`). */
  writeRow(row: unknown, customer: string): Promise<unknown>;
  /** How many business rows `customer` has, read outside any transaction. */
  countRows(customer: string): Promise<number>;
  /**
   * Transactions nested the ORM's way: `transaction` opens the outer one (its work gets what is
   * passed as `{ transaction }`), each of `nest` nests in it, by the name the tests show.
   */
  nesting?: {
    transaction(work: (outer: unknown) => Promise<void>): Promise<void>;
    nest: Record<string, NestTransaction>;
  };
  /**
   * `publishEvent` without `{ transaction }` joins the innermost open transaction: the nested
   * tests publish that way too.
   * @default false
   */
  ambient?: boolean | undefined;
}

const event = (customer: string) => ({ eventType: 'order.created', source: 'tests', data: { customer } });

/**
 * The rules of an ORM store in its users' business transactions: the event commits and rolls back
 * with the business row through every way the ORM opens a transaction, its hooks run only after
 * the commit, and in nested transactions only when the outermost one commits. Call it inside the
 * `describe` of one database.
 */
export function businessTransactionSuite(options: BusinessTransactionSuiteOptions): void {
  describe('business transactions', () => {
    const created: string[] = [];
    const dispatch = () => options.dispatch();
    const publish = async (transaction: unknown, customer: string) =>
      (
        await dispatch().publisher.publishEvent(
          event(customer),
          transaction === undefined ? {} : { transaction },
        )
      ).id;
    const status = async (id: string) => (await dispatch().store.get(id))?.status ?? null;

    let unsubscribe = () => {};
    beforeAll(() => {
      unsubscribe = dispatch().hooks.on('created', (written) => void created.push(written.id));
    });
    afterAll(() => unsubscribe());

    /** Write a row and publish through `way`; `report` learns the event id before any failure. */
    const place = (
      way: BusinessTransactionWay,
      customer: string,
      fail: boolean,
      report: (id: string) => void,
    ) =>
      way(async ({ row, transaction }) => {
        await options.writeRow(row, customer);
        const id = await publish(transaction, customer);
        report(id);
        expect(created).not.toContain(id);
        if (fail) throw new Error('refused');
      });

    for (const [name, way] of Object.entries(options.ways)) {
      it(`commits the event with the business row through ${name}, and runs hooks after commit`, async () => {
        const customer = `c-${Math.random()}`;
        let id = '';
        await place(way, customer, false, (written) => {
          id = written;
        });
        expect(await options.countRows(customer)).toBe(1);
        expect(await status(id)).toBe('pending');
        expect(created).toContain(id);
      });

      it(`rolls the event back with the business row through ${name}, and runs no hooks`, async () => {
        const customer = `c-${Math.random()}`;
        let id = '';
        await expect(
          place(way, customer, true, (written) => {
            id = written;
          }),
        ).rejects.toThrow('refused');
        expect(id).not.toBe('');
        expect(await options.countRows(customer)).toBe(0);
        expect(await status(id)).toBeNull();
        expect(created).not.toContain(id);
      });
    }

    const nesting = options.nesting;
    /** Publish through `transaction`, and through the ambient transaction where there is one. */
    const publishIn = async (transaction: unknown, ids: string[], customer: string) => {
      ids.push(await publish(transaction, customer));
      if (options.ambient) ids.push(await publish(undefined, `${customer} (ambient)`));
    };

    for (const [name, nest] of Object.entries(nesting?.nest ?? {})) {
      it(`runs the hooks of transactions nested through ${name} only when the outer one commits`, async () => {
        const ids: string[] = [];
        let seenAtRelease: string[] = [];
        await nesting!.transaction(async (outer) => {
          await nest(outer, (nested) => nest(nested, (deeper) => publishIn(deeper, ids, 'deep')));
          seenAtRelease = created.filter((id) => ids.includes(id));
        });
        expect(seenAtRelease).toEqual([]);
        for (const id of ids) {
          expect(created).toContain(id);
          expect(await status(id)).toBe('pending');
        }
      });

      it(`leaves nothing when the outer transaction rolls back after one nested through ${name} was released`, async () => {
        const ids: string[] = [];
        await expect(
          nesting!.transaction(async (outer) => {
            await nest(outer, (nested) => publishIn(nested, ids, 'nested'));
            throw new Error('outer refused');
          }),
        ).rejects.toThrow('outer refused');
        expect(ids).not.toEqual([]);
        for (const id of ids) {
          expect(await status(id)).toBeNull();
          expect(created).not.toContain(id);
        }
      });
    }
  });
}
