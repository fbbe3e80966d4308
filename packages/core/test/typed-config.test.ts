import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineBackend, defineConfig, defineStore, type OptionsInputOf } from '../src/index.js';
import { memoryStore } from '../src/testing/index.js';

// The checks here are type checks: `tsc --noEmit` (the package's typecheck) fails if a
// `@ts-expect-error` below stops being an error, or if a typed line stops compiling.

interface ExampleInput {
  /** Stream to write to. */
  stream_name?: string | undefined;
  max_len?: number | null | undefined;
}
const exampleSchema = z.strictObject({
  stream_name: z.string().default('events'),
  max_len: z.number().nullable().default(10_000),
});
const exampleBackend = defineBackend<z.output<typeof exampleSchema>, ExampleInput>({
  type: 'example',
  options: exampleSchema,
  create: () => ({
    publish: async () => [],
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});
const exampleStore = defineStore<{ url: string }, { url: string }>({
  type: 'example-store',
  options: z.strictObject({ url: z.string() }),
  create: () => {
    throw new Error('not used');
  },
});

describe('defineConfig types OPTIONS from the definitions it is given', () => {
  it('accepts the options a definition declares, for publishers and the store', () => {
    const config = defineConfig({
      OUTBOX_PUBLISHERS: {
        default: { BACKEND: exampleBackend, OPTIONS: { stream_name: 'orders', max_len: null } },
        audit: { BACKEND: exampleBackend, PUBLISH_TIMEOUT: 5 },
      },
      OUTBOX_STORE: { STORE: exampleStore, OPTIONS: { url: 'postgres://db/app' }, TIMEOUT: 10 },
    });
    expect(config.OUTBOX_PUBLISHERS.default?.OPTIONS).toEqual({ stream_name: 'orders', max_len: null });
  });

  it('refuses an option the definition does not have, or a value of the wrong type', () => {
    const configs = [
      defineConfig({
        OUTBOX_PUBLISHERS: {
          // @ts-expect-error `stream` is not an option of this backend (it is `stream_name`)
          default: { BACKEND: exampleBackend, OPTIONS: { stream: 'orders' } },
        },
        OUTBOX_STORE: { STORE: memoryStore },
      }),
      defineConfig({
        OUTBOX_PUBLISHERS: {
          // @ts-expect-error max_len is a number or null
          default: { BACKEND: exampleBackend, OPTIONS: { max_len: '1000' } },
        },
        OUTBOX_STORE: { STORE: memoryStore },
      }),
      defineConfig({
        OUTBOX_PUBLISHERS: { default: { BACKEND: exampleBackend } },
        // @ts-expect-error the store's `url` must be a string
        OUTBOX_STORE: { STORE: exampleStore, OPTIONS: { url: 5432 } },
      }),
    ];
    expect(configs).toHaveLength(3);
  });

  it('leaves OPTIONS open where BACKEND or STORE is a module specifier', () => {
    const config = defineConfig({
      OUTBOX_PUBLISHERS: { default: { BACKEND: '@dispatch/backend-redis-stream', OPTIONS: { anything: 1 } } },
      OUTBOX_STORE: { STORE: '@dispatch/orm-mikro', OPTIONS: { orm: {} } },
    });
    expect(config.OUTBOX_STORE.OPTIONS).toEqual({ orm: {} });
    const open: OptionsInputOf<string> = { anything: true };
    const typed: OptionsInputOf<typeof exampleBackend> = { stream_name: 'x' };
    expect([open, typed]).toHaveLength(2);
  });
});
