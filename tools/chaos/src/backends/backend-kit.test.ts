import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './backend-kit.js';
import { BACKEND_NAMES, BACKENDS } from './index.js';

describe('capabilitiesOf', () => {
  it('allows duplicates exactly where the backend is not idempotent', async () => {
    const idempotent: Record<string, boolean> = {};
    for (const name of BACKEND_NAMES) idempotent[name] = capabilitiesOf(await BACKENDS[name]()).idempotent;
    expect(idempotent).toEqual({ redis: true, nats: true, rabbitmq: false });
  });

  it('prefers what a definition declares', async () => {
    const kit = await BACKENDS.rabbitmq();
    const declaring = { ...kit, definition: { ...kit.definition, capabilities: { idempotent: true } } };
    expect(capabilitiesOf(declaring).idempotent).toBe(true);
  });
});
