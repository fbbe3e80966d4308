import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../src/index.js';
import { memoryStore } from '../src/testing/index.js';

const minimal = {
  OUTBOX_PUBLISHERS: { default: { BACKEND: '@dispatch/backend-redis-stream' } },
  OUTBOX_STORE: { STORE: memoryStore },
};

function issuesOf(config: unknown) {
  try {
    resolveConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('DISPATCH_CONFIG_INVALID');
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('fills in the Django Dispatch defaults', () => {
    const config = resolveConfig(minimal);
    expect(config.OUTBOX_WORKER).toMatchObject({
      BATCH_SIZE: 100,
      SLEEP_TIME: 5,
      MAX_RETRIES: 3,
      RETRY_BACKOFF: true,
    });
    expect(config.OUTBOX_RETENTION).toMatchObject({
      CLEANUP_PUBLISHED: true,
      PUBLISHED_RETENTION_DAYS: 7,
      FAILED_RETENTION_DAYS: 30,
    });
    expect(config.OUTBOX_PUBLISHERS.default).toMatchObject({ OPTIONS: {}, PUBLISH_TIMEOUT: 30 });
    expect(config.OUTBOX_PUBLISHING).toEqual({ MAX_PAYLOAD_BYTES: 1_048_576, MAX_RETRIES: 3 });
  });

  it('keeps what was set', () => {
    const config = resolveConfig({ ...minimal, OUTBOX_WORKER: { BATCH_SIZE: 500, RETRY_BACKOFF: false } });
    expect(config.OUTBOX_WORKER.BATCH_SIZE).toBe(500);
    expect(config.OUTBOX_WORKER.RETRY_BACKOFF).toBe(false);
    expect(config.OUTBOX_PUBLISHING.MAX_RETRIES).toBe(3);
  });

  it('reports every mistake at once, each with its key path', () => {
    const issues = issuesOf({
      OUTBOX_PUBLISHERS: { default: { BACKEND: 42 }, 'bad name!': { BACKEND: 'x' } },
      OUTBOX_STORE: {},
      OUTBOX_WORKER: { BATCH_SIZE: 0, SLEEP_TIME: 'five', MAX_RETRIES: 2.5, RETRY_BACKOFF: 'yes' },
      OUTBOX_RETENTION: { PUBLISHED_RETENTION_DAYS: -1 },
      LOGGING: { LEVEL: 'loud' },
    });
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'OUTBOX_PUBLISHERS.default.BACKEND',
        'OUTBOX_STORE.STORE',
        'OUTBOX_WORKER.BATCH_SIZE',
        'OUTBOX_WORKER.SLEEP_TIME',
        'OUTBOX_WORKER.MAX_RETRIES',
        'OUTBOX_WORKER.RETRY_BACKOFF',
        'OUTBOX_RETENTION.PUBLISHED_RETENTION_DAYS',
        'LOGGING.LEVEL',
      ]),
    );
    expect(issues.length).toBeGreaterThanOrEqual(9);
  });

  it('suggests the intended name for a misspelt key', () => {
    const issues = issuesOf({ ...minimal, OUTBOX_WORKER: { BATCH_SZIE: 10 }, OUTBOX_RETENTON: {} });
    expect(issues).toContainEqual({
      path: 'OUTBOX_WORKER.BATCH_SZIE',
      message: 'unknown key; did you mean "BATCH_SIZE"?',
    });
    expect(issues).toContainEqual({
      path: 'OUTBOX_RETENTON',
      message: 'unknown key; did you mean "OUTBOX_RETENTION"?',
    });
  });

  it('suggests within a publisher entry too', () => {
    const issues = issuesOf({ ...minimal, OUTBOX_PUBLISHERS: { default: { BACKEND: 'x', OPTION: {} } } });
    expect(issues).toContainEqual({
      path: 'OUTBOX_PUBLISHERS.default.OPTION',
      message: 'unknown key; did you mean "OPTIONS"?',
    });
  });

  it('requires at least one publisher', () => {
    const issues = issuesOf({ ...minimal, OUTBOX_PUBLISHERS: {} });
    expect(issues[0]?.path).toBe('OUTBOX_PUBLISHERS');
  });

  it('checks that the retry cap is not below the base delay', () => {
    const issues = issuesOf({ ...minimal, OUTBOX_WORKER: { RETRY_BASE_DELAY: 60, RETRY_MAX_DELAY: 10 } });
    expect(issues).toEqual([
      { path: 'OUTBOX_WORKER.RETRY_MAX_DELAY', message: 'must be at least RETRY_BASE_DELAY' },
    ]);
  });

  it('names the source file in the message', () => {
    expect(() => resolveConfig({}, '/app/dispatch.config.ts')).toThrow(/in \/app\/dispatch.config.ts/);
  });
});
