import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../src/event.js';
import { silentLogger } from '../src/logger.js';
import { createStore } from '../src/managed-store.js';
import { defineStore, type EventFilter, type StoreDriver } from '../src/store.js';
import { makeNewEvent } from '../src/testing/fixtures.js';

/**
 * A store that knows one name of the publisher: `backend` (written before `publisher` existed) or
 * `publisher` (written since, leaving the deprecated name out). It keeps and returns only that
 * name, and filters lists by it.
 */
function storeKnowing(name: 'backend' | 'publisher') {
  const other = name === 'backend' ? 'publisher' : 'backend';
  const rows = new Map<string, Record<string, unknown>>();
  const inserted: NewEvent[] = [];
  const filters: (EventFilter | undefined)[] = [];
  const returned = (): Record<string, unknown>[] =>
    [...rows.values()].map((row) => ({ ...row, status: 'processing' }));
  const definition = defineStore({
    type: `knows-${name}`,
    create: () =>
      ({
        async insert(events: NewEvent[]) {
          inserted.push(...events);
          for (const event of events) {
            const { [other]: _dropped, ...kept } = event;
            rows.set(event.id, kept);
          }
        },
        async get(id: string) {
          return rows.get(id) ?? null;
        },
        async list(request: { filter?: EventFilter }) {
          filters.push(request.filter);
          const wanted = request.filter?.[name];
          return {
            events: returned().filter((row) => wanted === undefined || row[name] === wanted),
            next: null,
          };
        },
        async claim() {
          return returned();
        },
        async close() {},
      }) as unknown as StoreDriver,
  });
  return { definition, inserted, filters };
}

const insert = (store: Awaited<ReturnType<typeof createStore>>, events: NewEvent[]) =>
  store.insert(events, { transaction: undefined, onCommit: () => {} });

describe('publisher and its deprecated name backend, at the store wrapper', () => {
  for (const name of ['backend', 'publisher'] as const) {
    it(`fills in both names on events from a store that knows only ${name}`, async () => {
      const { definition, filters } = storeKnowing(name);
      const store = await createStore(definition, {}, { logger: silentLogger });
      const audit = makeNewEvent({ publisher: 'audit' });
      await insert(store, [audit, makeNewEvent()]);
      const both = { publisher: 'audit', backend: 'audit' };
      expect(await store.get(audit.id)).toMatchObject(both);
      const claimed = await store.claim({ owner: 'w', limit: 10, leaseMs: 1000 });
      expect(claimed.map((event) => [event.publisher, event.backend])).toEqual([
        ['audit', 'audit'],
        ['default', 'default'],
      ]);
      // The filter reaches the store under both names, whichever one the caller used.
      for (const filter of [
        { publisher: 'audit' },
        { backend: 'audit' },
        { publisher: 'audit', backend: 'audit' },
      ]) {
        const page = await store.list({ filter });
        expect(page.events.map((event) => event.id)).toEqual([audit.id]);
        expect(page.events[0]).toMatchObject(both);
        expect(filters.at(-1)).toEqual(both);
      }
      await store.close();
    });
  }

  it('refuses a list filter naming two different publishers', async () => {
    const store = await createStore(storeKnowing('publisher').definition, {}, { logger: silentLogger });
    await expect(store.list({ filter: { publisher: 'audit', backend: 'default' } })).rejects.toMatchObject({
      code: 'DISPATCH_INVALID_ARGUMENT',
      message:
        'list filter names publisher "audit" and backend "default": backend is the deprecated name of publisher, give only publisher',
    });
    await store.close();
  });

  it('hands a store both names of an event built with only one', async () => {
    const { definition, inserted } = storeKnowing('backend');
    const store = await createStore(definition, {}, { logger: silentLogger });
    const { publisher: _publisher, ...old } = makeNewEvent({ backend: 'audit' });
    await insert(store, [old as NewEvent]);
    expect(inserted[0]).toMatchObject({ publisher: 'audit', backend: 'audit' });
    expect(old).not.toHaveProperty('publisher');
    await store.close();
  });
});
