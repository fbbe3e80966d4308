import { MemoryBroker } from '@dispatch/backend-memory';
import {
  createDispatch,
  type Dispatch,
  type DispatchConfig,
  type EventStatus,
  type OutboxEvent,
  type StoreConfig,
} from '@dispatch/core';
import { type LogLine, MemoryDatabase, memoryStore, recordingLogger } from '@dispatch/core/testing';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import type { MikroORM } from '@mikro-orm/core';
import { memoryPublishers, publishOrders } from './helpers.js';
import { dropTable, tableName as newTableName, openPostgres } from './integration/postgres.js';

/**
 * One outbox, in one kind of store, that any number of dispatch instances can share. A test
 * makes its own and closes it after.
 */
export interface StoreUnderTest {
  /** `OUTBOX_STORE` for one more dispatch over this outbox (on PostgreSQL with a pool of its own). */
  storeConfig(): Promise<StoreConfig>;
  /** Close what `storeConfig` opened and remove the outbox. */
  destroy(): Promise<void>;
}

export interface StoreKind {
  name: string;
  create(): Promise<StoreUnderTest>;
}

const memory: StoreKind = {
  name: 'the memory store',
  async create() {
    const database = new MemoryDatabase();
    return {
      storeConfig: async () => ({ STORE: memoryStore, OPTIONS: { database } }),
      destroy: async () => {},
    };
  },
};

// Small pools: several dispatch instances per test share the server with other suites.
const openOrm = () => openPostgres(4);

const postgres: StoreKind = {
  name: 'PostgreSQL',
  async create() {
    // A table of its own per test, so no test sees another's events or notifications.
    const tableName = newTableName('worker_sql');
    const orms: MikroORM[] = [];
    return {
      async storeConfig() {
        const orm = await openOrm();
        orms.push(orm);
        return { STORE: mikroOrmStore, OPTIONS: { orm, tableName } };
      },
      async destroy() {
        const orm = orms[0] ?? (await openOrm());
        try {
          await dropTable(orm, tableName);
        } finally {
          await Promise.allSettled([...new Set([orm, ...orms])].map((each) => each.close(true)));
        }
      },
    };
  },
};

export const STORE_KINDS: readonly StoreKind[] = [memory, postgres];

/** A dispatch instance over the outbox under test, publishing to a memory broker. */
export interface Scene {
  dispatch: Dispatch;
  broker: MemoryBroker;
  logs: LogLine[];
  /** Publish `count` events in one call (one transaction), in this order. */
  publish(count: number, input?: Record<string, unknown>): Promise<string[]>;
  /** The event as the store reports it. */
  get(id: string): Promise<OutboxEvent>;
  /** Statuses with at least one event, from the store's stats. */
  counts(): Promise<Partial<Record<EventStatus, number>>>;
  /** Every event, oldest first, through the store's list. */
  events(): Promise<OutboxEvent[]>;
}

export interface SceneOptions extends Partial<DispatchConfig> {
  /** Publisher names, each a stream of the broker. @default ['default'] */
  publishers?: string[];
  /** @default a broker of its own */
  broker?: MemoryBroker;
}

/** Dispatch instances of one test and the outbox they share; `close()` tears all of it down. */
export class Stage {
  readonly #outbox: StoreUnderTest;
  readonly #dispatches: Dispatch[] = [];
  #migrated = false;

  private constructor(outbox: StoreUnderTest) {
    this.#outbox = outbox;
  }

  static async create(kind: StoreKind): Promise<Stage> {
    return new Stage(await kind.create());
  }

  /** One more dispatch instance over the outbox, as another process would have. */
  async scene(options: SceneOptions = {}): Promise<Scene> {
    const { publishers = ['default'], broker = new MemoryBroker(), ...config } = options;
    const logger = recordingLogger();
    const dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: memoryPublishers(broker, publishers),
      OUTBOX_STORE: await this.#outbox.storeConfig(),
      LOGGING: { LOGGER: logger },
      ...config,
      // A failed test must not keep its teardown waiting out the default 30 s for a held publish.
      OUTBOX_WORKER: { SHUTDOWN_TIMEOUT: 5, ...config.OUTBOX_WORKER },
    });
    this.#dispatches.push(dispatch);
    if (!this.#migrated) {
      await dispatch.store.migrate();
      this.#migrated = true;
    }
    const { store } = dispatch;
    return {
      dispatch,
      broker,
      logs: logger.lines,
      publish: (count, input) => publishOrders(dispatch, count, input),
      async get(id) {
        const event = await store.get(id);
        if (!event) throw new Error(`no event ${id}`);
        return event;
      },
      async counts() {
        const { counts } = await store.stats();
        return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
      },
      async events() {
        const all: OutboxEvent[] = [];
        let after: string | undefined;
        do {
          const page = await store.list({ order: 'oldest', limit: 500, after });
          all.push(...page.events);
          after = page.next ?? undefined;
        } while (after !== undefined);
        return all;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#dispatches.map((dispatch) => dispatch.close()));
    await this.#outbox.destroy();
  }
}

/** Poll `check` until it holds; fail after `timeoutMs` saying what was last seen. */
export async function until<T>(
  what: string,
  check: () => Promise<T> | T,
  holds: (value: T) => boolean = Boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (holds(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
