import type { Dispatch, NewEvent, PublishEventInput, StoreDefinition } from '@dispatch/core';
import type pg from 'pg';
import type { RunNames } from '../run-names.js';

/** An order row of the run's business table. */
export interface OrderRow {
  id: string;
  producer: number;
  amount: number;
}

/** One business transaction a producer runs (see producer.ts), whatever the ORM. */
export interface BusinessWrite {
  order: OrderRow;
  eventType: string;
  key: string | null;
  inputs: PublishEventInput[];
  rollback: boolean;
  /** The ids the store gave the events, set as soon as they are written (a rollback reports them). */
  eventIds: string[];
}

/** A ledger row: one per committed event, written in the event's transaction. */
export interface LedgerRow {
  eventId: string;
  orderId: string;
  eventType: string;
  orderingKey: string | null;
  keyPosition: number | null;
  producer: number;
}

/** A store opened in this process on the run's database. */
export interface OpenStore {
  /** What `createDispatch` takes as `OUTBOX_STORE`. */
  store: { STORE: StoreDefinition<never>; OPTIONS: Record<string, unknown> };
  /**
   * The order, its events, the key's next commit positions and a ledger row per event, in one
   * transaction of this ORM, opened the way its README says. Throws `RollbackOnPurpose` when asked.
   */
  write(dispatch: Dispatch, plan: BusinessWrite): Promise<void>;
  close(): Promise<void>;
}

/** One ORM in the harness: in-process (setup, producers) and in the workers' generated config. */
export interface StoreKit {
  /** Once per run, before anything opens the store: e.g. generate an ORM client into `runDir`. */
  prepare?(input: { runDir: string; names: RunNames }): Promise<void>;
  /** After the run, whatever its outcome: remove what `prepare` made outside the run folder. */
  cleanup?(input: { runDir: string }): void;
  open(input: { pgUrl: string; names: RunNames; poolSize: number; runDir: string }): Promise<OpenStore>;
  /**
   * The `dispatch.config.mjs` part: `imports` (lines with absolute specifiers), and `setup`, the body
   * of an async function that ends in `return { STORE, OPTIONS }` for `OUTBOX_STORE`.
   */
  workerConfig(input: { pgUrl: string; names: RunNames; runDir: string }): {
    imports: string[];
    setup: string;
  };
}

export class RollbackOnPurpose extends Error {}

/** An absolute import of a package of this workspace, for a config file in a temp folder. */
export const importUrl = (specifier: string): string => JSON.stringify(import.meta.resolve(specifier));

/** `publishEvent` for one event, `publishEvents` for more, in `transaction`. */
async function publishAll(dispatch: Dispatch, plan: BusinessWrite, transaction: unknown) {
  const events: NewEvent[] =
    plan.inputs.length === 1
      ? [await dispatch.publisher.publishEvent(plan.inputs[0]!, { transaction })]
      : await dispatch.publisher.publishEvents(plan.inputs, { transaction });
  plan.eventIds = events.map((event) => event.id);
  return events;
}

/**
 * A kit's own parts of one business transaction, each written in that ORM inside its transaction;
 * `writeBusiness` runs them, with the events, in the order every kit shares.
 */
export interface BusinessSteps {
  /** Insert the order (awaited). */
  insertOrder(order: OrderRow): unknown;
  /** Move the key's last commit position on by `count`, the transaction's events, and return it. */
  advanceKey(key: string, count: number): Promise<number>;
  /** Insert the ledger rows (awaited). */
  insertLedger(rows: LedgerRow[]): unknown;
}

/**
 * The order, its events published in `transaction`, the key's commit positions and a ledger row
 * per event; then `RollbackOnPurpose` when the plan asks for a rollback.
 */
export async function writeBusiness(
  dispatch: Dispatch,
  plan: BusinessWrite,
  transaction: unknown,
  steps: BusinessSteps,
): Promise<void> {
  await steps.insertOrder(plan.order);
  const events = await publishAll(dispatch, plan, transaction);
  const last = plan.key ? await steps.advanceKey(plan.key, events.length) : null;
  await steps.insertLedger(ledgerRows(plan, events, last));
  if (plan.rollback) throw new RollbackOnPurpose();
}

/**
 * `advanceKey` in SQL, for the kits that write it as a statement: `key` and `count` are the driver's
 * placeholders for the two values.
 */
export const advanceKeySql = (names: RunNames, key: string, count: string): string =>
  `INSERT INTO ${names.keyPositions} (ordering_key, position) VALUES (${key}, ${count})
   ON CONFLICT (ordering_key) DO UPDATE SET position = ${names.keyPositions}.position + EXCLUDED.position
   RETURNING position`;

/**
 * The ledger rows of the events, given the key's last position after the upsert. Events of one
 * call are written in the order given, so they take consecutive positions.
 */
function ledgerRows(plan: BusinessWrite, events: readonly NewEvent[], last: number | null): LedgerRow[] {
  const count = events.length;
  return events.map((event, i) => ({
    eventId: event.id,
    orderId: plan.order.id,
    eventType: plan.eventType,
    orderingKey: plan.key,
    keyPosition: last === null ? null : last - count + 1 + i,
    producer: plan.order.producer,
  }));
}

/**
 * A PostgreSQL restart ends every connection of a `pg` Pool, idle or checked out; an `error` event
 * nobody handles ends the process. The pool's own handler covers idle clients only; a client in a
 * transaction (or one a failed `BEGIN` leaked) needs its own. The query in flight still fails.
 */
export function quietOnRestart(pool: pg.Pool): void {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
}
