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
