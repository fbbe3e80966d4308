import { backendOptionsError } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { connectionSettings, describeTarget } from './connection.js';
import { redisStreamOptionsSchema } from './options.js';
import { redisStreamBackend } from './redis-stream-backend.js';

const PREFIX = 'OUTBOX_PUBLISHERS.default.OPTIONS';
const validate = async (options: unknown) => redisStreamOptionsSchema.parse(options);

/** Problems as Dispatch reports them when it builds the publisher "default" (nothing connects). */
const issuesOf = async (options: unknown) => [
  ...(await backendOptionsError(redisStreamBackend, options)).issues,
];

describe('options', () => {
  it('has the Django Dispatch defaults', async () => {
    const options = await validate({});
    expect(options).toMatchObject({
      client: 'ioredis',
      host: 'localhost',
      port: 6379,
      db: 0,
      stream_name: 'events',
      max_len: 10_000,
      trim: 'approximate',
      connect_timeout: 5,
      socket_timeout: 5,
      idempotent: true,
      idempotency_window: 3600,
      wait_replicas: 0,
    });
    expect(options.password).toBeUndefined();
  });

  it('reports a value of the wrong type with its key path', async () => {
    const issues = await issuesOf({ port: '6379', max_len: 'lots', connect_timeout: -1 });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [`${PREFIX}.connect_timeout`, `${PREFIX}.max_len`, `${PREFIX}.port`].sort(),
    );
  });

  it('reports an unknown option with its key path and the likely intended one', async () => {
    const issues = await issuesOf({ stream: 'orders', maxlen: 5 });
    expect(issues).toContainEqual({
      path: `${PREFIX}.stream`,
      message: expect.stringContaining('unknown key'),
    });
    expect(issues).toContainEqual({
      path: `${PREFIX}.maxlen`,
      message: expect.stringContaining('"max_len"'),
    });
  });

  it('refuses a URL that is not redis:// or rediss:// without echoing it', async () => {
    const issues = await issuesOf({ url: 'http://user:hunter2@example.com' });
    expect(issues).toEqual([{ path: `${PREFIX}.url`, message: expect.stringContaining('redis://') }]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  it('refuses conflicting ways to reach Redis, and db other than 0 in a cluster', async () => {
    const issues = await issuesOf({ url: 'redis://localhost', cluster_nodes: ['127.0.0.1:7000'], db: 2 });
    expect(issues.map((issue) => issue.path).sort()).toEqual([`${PREFIX}.cluster_nodes`, `${PREFIX}.db`]);
  });

  it('refuses an unknown stream_name placeholder', async () => {
    const issues = await issuesOf({ stream_name: 'events:{event_tpye}' });
    expect(issues[0]?.message).toContain('did you mean {event_type}');
    await expect(validate({ stream_name: '{my_app}:{event_type}' })).resolves.toBeDefined();
  });

  it('accepts a function, a template and a hash tag for stream_name', async () => {
    await expect(validate({ stream_name: () => 'x' })).resolves.toBeDefined();
    expect(await issuesOf({ stream_name: '' })).toEqual([
      { path: `${PREFIX}.stream_name`, message: expect.any(String) },
    ]);
    await expect(validate({ stream_name: '{orders}:{event_type}' })).resolves.toBeDefined();
  });

  it('accepts a ready-made client by shape, and nothing else', async () => {
    const fake = { pipeline() {}, status: 'ready' };
    expect((await validate({ client: fake })).client).toBe(fake);
    expect((await issuesOf({ client: 'redis' }))[0]?.path).toBe(`${PREFIX}.client`);
  });

  it('reads host, port, db, credentials and TLS from a URL', async () => {
    const settings = connectionSettings(await validate({ url: 'rediss://app:p%40ss@cache.internal:6380/3' }));
    expect(settings).toMatchObject({
      host: 'cache.internal',
      port: 6380,
      db: 3,
      username: 'app',
      password: 'p@ss',
    });
    expect(settings.tls).toEqual({});
    expect(describeTarget(settings)).toBe('rediss://cache.internal:6380/3');
  });

  it('converts the Django Dispatch timeouts from seconds', async () => {
    const settings = connectionSettings(await validate({ connect_timeout: 1.5, socket_timeout: null }));
    expect(settings.connectTimeoutMs).toBe(1500);
    expect(settings.commandTimeoutMs).toBeUndefined();
  });
});
