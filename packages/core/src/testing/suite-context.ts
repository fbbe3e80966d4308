import type { TestContext } from 'vitest';
import type { NewEvent, OutboxEvent } from '../event.js';
import type { OutboxStore, ResolvedStoreCapabilities } from '../store.js';
import type { ActivityCaseTools } from './activity-suite.js';
import type { StoreUnderTest } from './store-suite.js';

/** A lease no test outlives. */
export const LONG_LEASE = 60_000;

/** What `runStoreConformance` lends each group of cases. */
export interface StoreSuiteContext extends ActivityCaseTools {
  /** Insert `count` pending events (data `{ n }`), with `overrides` on each. */
  seed: (store: OutboxStore, count: number, overrides?: Partial<NewEvent>) => Promise<NewEvent[]>;
  /** The store under test of the running test (with its `transaction` hook), once `fresh()` ran. */
  current: () => StoreUnderTest | undefined;
  /** What the store under test declares (its definition's capabilities, the suite option on top). */
  capabilitiesOf: (store: OutboxStore) => ResolvedStoreCapabilities;
  /** Skip the running test unless the store declares every one of `needed`. */
  requires: (test: TestContext, store: OutboxStore, ...needed: (keyof ResolvedStoreCapabilities)[]) => void;
  /** Lease used by the lease-expiry cases. */
  shortLease: number;
}

export const ids = (events: readonly { id: string }[]): string[] => events.map((event) => event.id);

export const bySequence = (events: readonly OutboxEvent[]): OutboxEvent[] =>
  [...events].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
