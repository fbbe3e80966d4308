import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineBackend, published } from '../src/index.js';
import { backendOptionsError } from '../src/testing/index.js';

const portBackend = defineBackend({
  type: 'port-only',
  options: z.strictObject({ port: z.number().int().positive() }),
  create: () => ({
    publish: async (events) => events.map((event) => published(event.id)),
    health: async () => ({ ok: true }),
    close: async () => {},
  }),
});

describe('backendOptionsError', () => {
  it('returns the refusal with each problem under the publisher "default"', async () => {
    const error = await backendOptionsError(portBackend, { port: -1, host: 'x' });
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'OUTBOX_PUBLISHERS.default.OPTIONS.host',
      'OUTBOX_PUBLISHERS.default.OPTIONS.port',
    ]);
  });

  it('fails when the options are accepted', async () => {
    await expect(backendOptionsError(portBackend, { port: 6379 })).rejects.toThrow(
      /"port-only" backend to be refused; they were accepted/,
    );
  });

  it('passes on an error that is not a refusal of the options', async () => {
    const broken = defineBackend({
      type: 'broken',
      prepare: () => {
        throw new Error('boom');
      },
      create: portBackend.create,
    });
    // A failing prepare is a configuration problem too, reported under the publisher.
    const error = await backendOptionsError(broken, {});
    expect(error.issues).toEqual([{ path: 'OUTBOX_PUBLISHERS.default', message: 'boom' }]);
  });
});
