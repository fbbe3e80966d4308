import type { Dispatch, NewEvent, PublishEventInput, StoreDefinition } from '@dispatch/core';
import type pg from 'pg';
import type { RunNames } from '../run-names.js';

/** One business transaction a producer runs (see producer.ts), whatever the ORM. */
export interface BusinessWrite {
  order: { id: string; producer: number; amount: number };
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
export async function publishAll(dispatch: Dispatch, plan: BusinessWrite, transaction: unknown) {
  const events: NewEvent[] =
    plan.inputs.length === 1
      ? [await dispatch.publisher.publishEvent(plan.inputs[0]!, { transaction })]
      : await dispatch.publisher.publishEvents(plan.inputs, { transaction });
  plan.eventIds = events.map((event) => event.id);
  return events;
}

/**
 * The ledger rows of the events, given the key's last position after the upsert. Events of one
 * call are written in the order given, so they take consecutive positions.
 */
export function ledgerRows(
  plan: BusinessWrite,
  events: readonly NewEvent[],
  last: number | null,
): LedgerRow[] {
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
