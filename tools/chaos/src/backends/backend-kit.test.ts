import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from './backend-kit.js';
import { BACKEND_NAMES, BACKENDS } from './index.js';

describe('capabilitiesOf', () => {
  it('allows duplicates exactly where the backend is not idempotent', async () => {
    const idempotent: Record<string, boolean> = {};
    for (const name of BACKEND_NAMES) {
      idempotent[name] = capabilitiesOf(await BACKENDS[name](), { idempotent: true }).idempotent;
    }
    expect(idempotent).toEqual({ redis: true, nats: true, rabbitmq: false });
  });

  it('reads them from the definition, with the idempotent option as the run sets it', async () => {
    expect(capabilitiesOf(await BACKENDS.redis(), { idempotent: false }).idempotent).toBe(false);
    const kit = await BACKENDS.rabbitmq();
    const declaring = { ...kit, definition: { ...kit.definition, capabilities: { idempotent: true } } };
    expect(capabilitiesOf(declaring, { idempotent: true }).idempotent).toBe(true);
  });
});
