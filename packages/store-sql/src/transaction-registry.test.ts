import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TransactionRegistry } from './transaction-registry.js';

describe('TransactionRegistry', () => {
  it('is one per key in the process, as two builds of a store each make their own', () => {
    const key = `@dispatch/store-sql/test-${randomUUID()}`;
    const wrapper = new TransactionRegistry<string>(key);
    const store = new TransactionRegistry<string>(key);
    const other = new TransactionRegistry<string>(`${key}-other`);
    const handle = {};
    wrapper.bind(handle, 'binding');
    expect(store.bindingOf(handle)).toBe('binding');
    expect(other.bindingOf(handle)).toBeUndefined();
    expect(store.bindingOf('not a handle')).toBeUndefined();
  });

  it('knows the innermost binding around the current call', async () => {
    const registry = new TransactionRegistry<string>(`@dispatch/store-sql/test-${randomUUID()}`);
    expect(registry.ambient()).toBeUndefined();
    const seen = await registry.runIn('outer', async () => {
      await Promise.resolve();
      const inner = registry.runIn('inner', () => registry.ambient());
      return [registry.ambient(), inner];
    });
    expect(seen).toEqual(['outer', 'inner']);
    expect(registry.ambient()).toBeUndefined();
  });
});
