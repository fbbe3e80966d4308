import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { NewEvent } from '../event.js';
import { silentLogger } from '../logger.js';
import { createStore } from '../managed-store.js';
import type { OutboxStore, ResolvedStoreCapabilities, StoreCapabilities, StoreDefinition } from '../store.js';
import { describeDashboardQueries } from './activity-suite.js';
import { describeClaiming, describeLeasesAndFencing } from './claim-suite.js';
import { makeNewEvent } from './fixtures.js';
import { describeOperations } from './operations-suite.js';
import { describePerKeyOrdering } from './ordering-suite.js';
import { describeOutcomes } from './outcome-suite.js';
import type { StoreSuiteContext } from './suite-context.js';
import { describeWakeups } from './wakeup-suite.js';
import { describeTransactions, describeWriting } from './write-suite.js';

export interface StoreUnderTest {
  definition: StoreDefinition;
  options: unknown;
  /** Run `work` in a caller transaction of this store (commit on resolve, roll back on throw). */
  transaction?: (<T>(work: (transaction: unknown) => Promise<T>) => Promise<T>) | undefined;
  /** Release whatever the factory opened (connections, files) after the test. */
  cleanup?: (() => Promise<void>) | undefined;
}

export interface StoreConformanceOptions {
  /** Suite title, e.g. `mikro-orm (postgresql)`. */
  name: string;
  /** A fresh, migrated, EMPTY store for each test. */
  store: () => Promise<StoreUnderTest>;
  /**
   * @deprecated Declare `capabilities` on the definition (`defineStore`); the suite reads them
   * there. Given here, they override the definition's.
   */
  capabilities?: StoreCapabilities | undefined;
  setup?: (() => Promise<void> | void) | undefined;
  teardown?: (() => Promise<void> | void) | undefined;
  /** Lease used by the lease-expiry tests; raise it for slow databases. @default 300 */
  shortLeaseMs?: number | undefined;
}

/** The rules every outbox store must follow. Call it inside a vitest test file. */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const override = Object.fromEntries(
    Object.entries(options.capabilities ?? {}).filter(([, value]) => value !== undefined),
  );
  const capabilitiesOf = (store: OutboxStore): ResolvedStoreCapabilities => ({
    ...store.capabilities,
    ...override,
  });
  const shortLease = options.shortLeaseMs ?? 300;
  const cleanups: (() => Promise<void>)[] = [];
  let current: StoreUnderTest | undefined;

  const fresh = async (): Promise<OutboxStore> => {
    current = await options.store();
    const store = await createStore(current.definition, current.options, { logger: silentLogger });
    await store.migrate();
    const under = current;
    cleanups.push(async () => {
      await store.close();
      await under.cleanup?.();
    });
    return store;
  };

  const insert = async (store: OutboxStore, events: NewEvent[]): Promise<void> => {
    await store.insert(events, { transaction: undefined, onCommit: () => {} });
  };

  const seed = async (
    store: OutboxStore,
    count: number,
    overrides: Partial<NewEvent> = {},
  ): Promise<NewEvent[]> => {
    const events = Array.from({ length: count }, (_, n) => makeNewEvent({ data: { n }, ...overrides }));
    await insert(store, events);
    return events;
  };

  const context: StoreSuiteContext = {
    fresh,
    insert,
    seed,
    current: () => current,
    capabilitiesOf,
    requires: (test, store, ...needed) => {
      const declared = capabilitiesOf(store);
      const missing = needed.filter((name) => !declared[name]);
      // Skipped, not failed: a store that declares no wake-ups (or transactions) owes none; the
      // reason shows in the report.
      if (missing.length > 0) test.skip(`does not declare ${missing.join(', ')}`);
    },
    shortLease,
  };

  describe(`store conformance: ${options.name}`, () => {
    beforeAll(async () => {
      await options.setup?.();
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    afterAll(async () => {
      await options.teardown?.();
    });

    // The groups run in this order; each file declares one or two of them.
    describeWriting(context);
    describeTransactions(context);
    describeClaiming(context);
    describeLeasesAndFencing(context);
    describeOutcomes(context);
    describePerKeyOrdering(context);
    describeOperations(context);
    describeDashboardQueries({ fresh, insert });
    describeWakeups(context);
  });
}
