import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendOptionsError } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { connectionSettings, describeTarget } from './connection.js';
import { rabbitmqOptionsSchema } from './options.js';
import { rabbitmqBackend } from './rabbitmq-backend.js';

const PREFIX = 'OUTBOX_PUBLISHERS.default.OPTIONS';
const validate = (options: unknown) => rabbitmqOptionsSchema.parse(options);

/** Problems as Dispatch reports them when it builds the publisher "default" (nothing connects). */
const issuesOf = async (options: unknown) => [
  ...(await backendOptionsError(rabbitmqBackend, options)).issues,
];

describe('options', () => {
  it('has documented defaults', () => {
    expect(validate({})).toEqual({
      host: 'localhost',
      vhost: '/',
      username: 'guest',
      password: 'guest',
      tls: false,
      heartbeat: 10,
      connect_timeout: 5,
      publish_timeout: 10,
      reconnect_delay: 0.25,
      reconnect_max_delay: 5,
      exchange: 'events',
      exchange_type: 'topic',
      exchange_mode: 'declare',
      routing_key: '{event_type}',
      persistent: true,
      mandatory: true,
      cloud_event_mode: 'structured',
      timestamp_format: 'isoformat',
      max_message_bytes: 134_217_728,
    });
  });

  it('reports values of the wrong type with their key paths', async () => {
    const issues = await issuesOf({ port: '5672', heartbeat: 1.5, publish_timeout: -1, mandatory: 'yes' });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [`${PREFIX}.heartbeat`, `${PREFIX}.mandatory`, `${PREFIX}.port`, `${PREFIX}.publish_timeout`].sort(),
    );
  });

  it('reports an unknown option with the likely intended one', async () => {
    const issues = await issuesOf({ routingKey: '{event_type}', exchnage: 'x' });
    expect(issues).toContainEqual({
      path: `${PREFIX}.routingKey`,
      message: expect.stringContaining('"routing_key"'),
    });
    expect(issues).toContainEqual({
      path: `${PREFIX}.exchnage`,
      message: expect.stringContaining('"exchange"'),
    });
  });

  it('refuses a URL that is not amqp:// or amqps:// without echoing it', async () => {
    const issues = await issuesOf({ url: 'http://app:hunter2@rabbit.internal' });
    expect(issues).toEqual([{ path: `${PREFIX}.url`, message: expect.stringContaining('amqp://') }]);
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  it('refuses query parameters and extra path segments in the URL', async () => {
    const query = await issuesOf({ url: 'amqp://app:hunter2@rabbit.internal/?heartbeat=5' });
    expect(query[0]?.message).toContain('heartbeat');
    const vhost = await issuesOf({ url: 'amqp://rabbit.internal/a/b' });
    expect(vhost[0]?.message).toContain('%2F');
    expect(JSON.stringify(query)).not.toContain('hunter2');
  });

  it('refuses an unknown placeholder in exchange and routing_key, with a suggestion', async () => {
    const issues = await issuesOf({ exchange: 'events.{sourse}', routing_key: '{event_tpye}.{whatever}' });
    expect(issues).toContainEqual({
      path: `${PREFIX}.exchange`,
      message: expect.stringContaining('did you mean {source}'),
    });
    expect(issues).toContainEqual({
      path: `${PREFIX}.routing_key`,
      message: expect.stringContaining('did you mean {event_type}'),
    });
    expect(issues.find((issue) => issue.message.includes('{whatever}'))?.message).toContain(
      'for literal braces',
    );
  });

  it('accepts names, templates, functions, the default exchange and plugin exchange types', () => {
    expect(validate({ exchange: '', routing_key: 'orders' }).exchange).toBe('');
    expect(validate({ exchange: '{source}.events', routing_key: '{event_type}.{key}' }).routing_key).toBe(
      '{event_type}.{key}',
    );
    const pick = () => 'x';
    expect(validate({ exchange: pick }).exchange).toBe(pick);
    expect(validate({ exchange_type: 'x-delayed-message' }).exchange_type).toBe('x-delayed-message');
  });

  it('refuses an unknown exchange type, mode or content mode', async () => {
    const issues = await issuesOf({
      exchange_type: 'queue',
      exchange_mode: 'create',
      cloud_event_mode: 'json',
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [`${PREFIX}.cloud_event_mode`, `${PREFIX}.exchange_mode`, `${PREFIX}.exchange_type`].sort(),
    );
    expect(issues.find((issue) => issue.path.endsWith('exchange_type'))?.message).toContain('"x-"');
  });

  it('refuses a fixed name longer than AMQP allows', async () => {
    const issues = await issuesOf({ routing_key: 'k'.repeat(256) });
    expect(issues).toEqual([
      { path: `${PREFIX}.routing_key`, message: expect.stringContaining('255 bytes') },
    ]);
  });

  it('refuses half a client certificate and a reconnect ceiling under its floor', async () => {
    const issues = await issuesOf({
      tls: { cert: 'client.crt' },
      reconnect_delay: 2,
      reconnect_max_delay: 1,
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual([
      `${PREFIX}.reconnect_max_delay`,
      `${PREFIX}.tls.key`,
    ]);
  });
});

describe('connection settings', () => {
  it('reads host, port, vhost and credentials from a URL, decoding them', () => {
    const settings = connectionSettings(
      validate({ url: 'amqp://app:p%40ss@rabbit.internal:5673/orders%2Fprod' }),
      '/',
    );
    expect(settings).toMatchObject({
      protocol: 'amqp',
      host: 'rabbit.internal',
      port: 5673,
      vhost: 'orders/prod',
      username: 'app',
      password: 'p@ss',
      tls: false,
    });
    expect(describeTarget(settings)).toBe('amqp://rabbit.internal:5673/orders%2Fprod');
  });

  it('takes amqps:// as TLS on port 5671 and keeps the default vhost for an empty path', () => {
    const settings = connectionSettings(validate({ url: 'amqps://rabbit.internal/' }), '/');
    expect(settings).toMatchObject({ protocol: 'amqps', port: 5671, vhost: '/', username: 'guest' });
    expect(settings.tls).toEqual({ rejectUnauthorized: true });
    expect(describeTarget(settings)).toBe('amqps://rabbit.internal:5671/%2F');
  });

  it('uses the options without a URL, and converts seconds', () => {
    const settings = connectionSettings(
      validate({ host: '::1', port: 5700, heartbeat: 0, connect_timeout: 1.5 }),
      '/',
    );
    expect(settings).toMatchObject({ host: '::1', port: 5700, heartbeat: 0, connectTimeoutMs: 1500 });
    expect(describeTarget(settings)).toBe('amqp://[::1]:5700/%2F');
  });

  it('reads the TLS files relative to the configuration folder, and names a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-rabbitmq-tls-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA');
      writeFileSync(join(dir, 'client.pem'), 'CERT');
      writeFileSync(join(dir, 'client.key'), 'KEY');
      const settings = connectionSettings(
        validate({
          tls: { ca: 'ca.pem', cert: 'client.pem', key: 'client.key', reject_unauthorized: false },
        }),
        dir,
      );
      expect(settings.protocol).toBe('amqps');
      expect(settings.port).toBe(5671);
      if (!settings.tls) throw new Error('expected TLS');
      expect(settings.tls.ca?.map(String)).toEqual(['CA']);
      expect(String(settings.tls.cert)).toBe('CERT');
      expect(String(settings.tls.key)).toBe('KEY');
      expect(settings.tls.rejectUnauthorized).toBe(false);
      expect(() => connectionSettings(validate({ tls: { ca: 'missing.pem' } }), dir)).toThrow(
        new RegExp(
          `tls\\.ca.*${join(dir, 'missing.pem').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*ENOENT`,
          's',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
