import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createDispatch,
  type DispatchConfig,
  defineConfig,
  resolveConfig,
} from '../src/index.js';
import { MemoryDatabase, memoryStore, recordingLogger } from '../src/testing/index.js';
import { recordingBackend } from './helpers.js';

const DEPRECATION = 'OUTBOX_STORE.BACKEND is deprecated: rename it to OUTBOX_STORE.STORE';

const publishers = { default: { BACKEND: recordingBackend().definition } };

function issuesOf(config: unknown) {
  try {
    resolveConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('OUTBOX_STORE.STORE and its deprecated alias BACKEND', () => {
  it('loads the store named by STORE, with its options, and warns about nothing', async () => {
    const logger = recordingLogger();
    const database = new MemoryDatabase();
    const dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: publishers,
      OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database } },
      LOGGING: { LOGGER: logger },
    });
    expect(dispatch.store.type).toBe('memory');
    expect(dispatch.config.OUTBOX_STORE).toEqual({ STORE: memoryStore, OPTIONS: { database }, TIMEOUT: 30 });
    await dispatch.publisher.publishEvent({ eventType: 't', source: 's' });
    expect((await dispatch.store.list({ limit: 10 })).events).toHaveLength(1);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
    await dispatch.close();
  });

  it('still loads the store named by BACKEND, and warns once per createDispatch', async () => {
    const logger = recordingLogger();
    const config = {
      OUTBOX_PUBLISHERS: publishers,
      OUTBOX_STORE: { BACKEND: memoryStore },
      LOGGING: { LOGGER: logger },
    };
    const first = await createDispatch(config);
    expect(first.store.type).toBe('memory');
    expect(first.config.OUTBOX_STORE.STORE).toBe(memoryStore);
    await first.publisher.publishEvent({ eventType: 't', source: 's' });
    const warnings = () => logger.lines.filter((line) => line.level === 'warn');
    expect(warnings()).toEqual([
      { level: 'warn', fields: { key: 'OUTBOX_STORE.BACKEND' }, message: DEPRECATION },
    ]);
    const second = await createDispatch(config);
    expect(warnings()).toHaveLength(2);
    // A resolved configuration names the store by STORE, so passing it on warns no more.
    const third = await createDispatch(first.config);
    expect(warnings()).toHaveLength(2);
    await Promise.all([first.close(), second.close(), third.close()]);
  });

  it('refuses STORE and BACKEND together, naming the key path, and loads neither', async () => {
    const both = {
      OUTBOX_PUBLISHERS: publishers,
      OUTBOX_STORE: { STORE: memoryStore, BACKEND: memoryStore },
    };
    expect(issuesOf(both)).toEqual([
      {
        path: 'OUTBOX_STORE.BACKEND',
        message: 'the deprecated name of OUTBOX_STORE.STORE, which is also given; remove BACKEND',
      },
    ]);
    const error = await createDispatch({
      ...both,
      OUTBOX_STORE: { STORE: memoryStore, BACKEND: './does-not-exist.js' },
    } as never).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((issue: { path: string }) => issue.path)).toEqual(['OUTBOX_STORE.BACKEND']);
    expect(error.message).toContain('OUTBOX_STORE.BACKEND: the deprecated name of OUTBOX_STORE.STORE');
  });

  it('asks for STORE when neither is given, next to the entry’s other mistakes', () => {
    expect(issuesOf({ OUTBOX_PUBLISHERS: publishers, OUTBOX_STORE: { OPTIONS: 5 } })).toEqual([
      { path: 'OUTBOX_STORE.OPTIONS', message: 'expected an object of options' },
      {
        path: 'OUTBOX_STORE.STORE',
        message: "expected a module specifier string (e.g. '@dispatch/orm-mikro') or a defineStore() result",
      },
    ]);
    expect(issuesOf({ OUTBOX_PUBLISHERS: publishers, OUTBOX_STORE: { STOR: 'x' } })).toContainEqual({
      path: 'OUTBOX_STORE.STOR',
      message: 'unknown key; did you mean "STORE"?',
    });
  });

  it('names the key that was written in errors about the store', async () => {
    for (const key of ['STORE', 'BACKEND'] as const) {
      expect(issuesOf({ OUTBOX_PUBLISHERS: publishers, OUTBOX_STORE: { [key]: 42 } })).toEqual([
        {
          path: `OUTBOX_STORE.${key}`,
          message:
            "expected a module specifier string (e.g. '@dispatch/orm-mikro') or a defineStore() result",
        },
      ]);
      const missing = await createDispatch({
        OUTBOX_PUBLISHERS: publishers,
        OUTBOX_STORE: { [key]: './does-not-exist.js' },
        LOGGING: { LEVEL: 'silent' },
      } as never).catch((e) => e);
      expect(missing.issues.map((issue: { path: string }) => issue.path)).toEqual([`OUTBOX_STORE.${key}`]);
      // Also when another setting is wrong and the store is loaded only to report its problems.
      const alongside = await createDispatch({
        OUTBOX_PUBLISHERS: publishers,
        OUTBOX_STORE: { [key]: './does-not-exist.js' },
        OUTBOX_WORKER: { BATCH_SZIE: 1 },
      } as never).catch((e) => e);
      expect(alongside.issues.map((issue: { path: string }) => issue.path)).toEqual([
        'OUTBOX_WORKER.BATCH_SZIE',
        `OUTBOX_STORE.${key}`,
      ]);
    }
  });

  it('types both keys, and not both at once', () => {
    const store: DispatchConfig = defineConfig({
      OUTBOX_PUBLISHERS: publishers,
      OUTBOX_STORE: { STORE: memoryStore },
    });
    const deprecated: DispatchConfig = defineConfig({
      OUTBOX_PUBLISHERS: publishers,
      OUTBOX_STORE: { BACKEND: memoryStore, OPTIONS: {} },
    });
    defineConfig({
      OUTBOX_PUBLISHERS: publishers,
      // @ts-expect-error STORE and BACKEND are one setting: give one of them.
      OUTBOX_STORE: { STORE: memoryStore, BACKEND: memoryStore },
    });
    expect(resolveConfig(store).OUTBOX_STORE.STORE).toBe(resolveConfig(deprecated).OUTBOX_STORE.STORE);
  });
});
