import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseOptions } from './options.js';
import { DEFAULT_KEY_COUNT, EVENT_TYPES, eventTypeOfKey, orderingKeys } from './run-names.js';

describe('parseOptions: ordering keys', () => {
  afterEach(() => vi.restoreAllMocks());

  it('spreads keyed events over the default set of keys', () => {
    expect(parseOptions([]).keys).toBe(DEFAULT_KEY_COUNT);
    expect(parseOptions(['--keys', '3']).keys).toBe(3);
  });

  it('--hot-key puts every keyed event on one key', () => {
    const options = parseOptions(['--duration', '45', '--seed', '91', '--hot-key']);
    expect(options.keys).toBe(1);
    expect(options).toMatchObject({ duration: 45, seed: 91 });
    expect(orderingKeys(options.keys)).toEqual(['customer-1']);
  });

  it('refuses --hot-key with --keys, and a key count below 1', () => {
    // Commander reports a usage error by exiting; make that observable instead.
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => parseOptions(['--hot-key', '--keys', '4'])).toThrow('exit 1');
    expect(() => parseOptions(['--keys', '0'])).toThrow('exit 1');
  });
});

describe('orderingKeys', () => {
  it('gives each key one event type, so all of its events share one stream', () => {
    const keys = orderingKeys(DEFAULT_KEY_COUNT);
    expect(new Set(keys).size).toBe(DEFAULT_KEY_COUNT);
    for (const key of keys) expect(EVENT_TYPES).toContain(eventTypeOfKey(key));
    // The same mapping as before the key count became an option: customer-1 to customer-8 in turn.
    expect(keys.map(eventTypeOfKey)).toEqual([
      'order.created',
      'payment.captured',
      'shipment.sent',
      'order.created',
      'payment.captured',
      'shipment.sent',
      'order.created',
      'payment.captured',
    ]);
  });
});

describe('parseOptions: backend and store', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defaults to Redis Streams and MikroORM, as before', () => {
    expect(parseOptions([])).toMatchObject({ backend: 'redis', store: 'mikro', brokerLatency: 20 });
  });

  it('takes every backend and store, and the older Redis flag names', () => {
    expect(parseOptions(['--backend', 'nats', '--store', 'drizzle'])).toMatchObject({
      backend: 'nats',
      store: 'drizzle',
    });
    expect(parseOptions(['--backend', 'rabbitmq', '--store', 'kysely']).backend).toBe('rabbitmq');
    expect(parseOptions(['--redis-url', 'redis://127.0.0.1:6379/0', '--redis-latency', '5'])).toMatchObject({
      brokerUrl: 'redis://127.0.0.1:6379/0',
      brokerLatency: 5,
    });
  });

  it('refuses an unknown backend or store, and --redis-url with another backend', () => {
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => parseOptions(['--backend', 'kafka'])).toThrow('exit 1');
    expect(() => parseOptions(['--store', 'sequelize'])).toThrow('exit 1');
    expect(() => parseOptions(['--backend', 'nats', '--redis-url', 'redis://127.0.0.1'])).toThrow('exit 1');
  });
});
