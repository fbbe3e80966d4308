import {
  createDispatch,
  createStore,
  type Dispatch,
  defineBackend,
  defineConfig,
  type OutboxStore,
  published,
  type StoreDefinition,
  silentLogger,
} from '@dispatch/core';
import { removeSqliteFiles } from './sql-databases.js';

/** A backend that accepts everything: for tests about the store. */
export const acceptAll = defineBackend({
  type: 'accept-all',
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});

/** A Dispatch on `store` with `options`, publishing to `acceptAll`, silent, its table migrated. */
export async function dispatchOnStore<O>(
  store: StoreDefinition<O>,
  options: Record<string, unknown>,
): Promise<Dispatch> {
  const dispatch = await createDispatch(
    defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: acceptAll } },
      OUTBOX_STORE: { STORE: store, OPTIONS: options },
      LOGGING: { LEVEL: 'silent' },
    }),
  );
  await dispatch.store.migrate();
  return dispatch;
}

/** What a claimer process opens: a store on the test's table, on connections of its own. */
export interface ClaimerConnections<O = unknown> {
  store: StoreDefinition<O>;
  /** The store's options, less `tableName`. */
  options: Record<string, unknown>;
  /** Close the connections, once the store is closed. */
  close(): Promise<void>;
}

/**
 * The default export of a claimer module of the SQL store race suite (`OpenClaimerStore` of
 * `@dispatch/store-sql/testing`): `connect` opens the connections from the test's `processContext`.
 */
export function claimerStore<Context, O>(
  connect: (context: Context) => Promise<ClaimerConnections<O>>,
): (input: {
  tableName: string;
  context: unknown;
}) => Promise<{ store: OutboxStore; close(): Promise<void> }> {
  return async ({ tableName, context }) => {
    const connections = await connect(context as Context);
    const store = await createStore(
      connections.store,
      { ...connections.options, tableName },
      { logger: silentLogger },
    );
    return {
      store,
      close: async () => {
        await store.close();
        await connections.close();
      },
    };
  };
}

/** A migrated store on a test's table, and how to drop the table and release it all. */
export interface MigratedStore {
  store: OutboxStore;
  tableName: string;
  close(): Promise<void>;
}

/**
 * `store` created with `options` (on the test's `tableName`) and migrated. Its `close` closes the
 * store, drops the table with `release.dropOutbox`, runs `release.close` and removes the
 * temporary SQLite files.
 */
export async function migratedStore<O>(
  store: StoreDefinition<O>,
  options: Record<string, unknown> & { tableName: string },
  release: { dropOutbox(tableName: string): Promise<void>; close(): Promise<void> },
): Promise<MigratedStore> {
  const created = await createStore(store, options as O, { logger: silentLogger });
  await created.migrate();
  return {
    store: created,
    tableName: options.tableName,
    close: async () => {
      await created.close();
      await release.dropOutbox(options.tableName);
      await release.close();
      removeSqliteFiles();
    },
  };
}
