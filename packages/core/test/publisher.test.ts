import { describe, expect, it } from 'vitest';
import { createDispatch, type Dispatch, type DispatchConfig, toCloudEvent } from '../src/index.js';
import { MemoryDatabase, memoryStore } from '../src/testing/index.js';
import { memoryLogger, recordingBackend } from './helpers.js';

async function setup(overrides: Partial<DispatchConfig> = {}) {
  const database = new MemoryDatabase();
  const backend = recordingBackend();
  const log = memoryLogger();
  const dispatch = await createDispatch({
    OUTBOX_PUBLISHERS: {
      default: { BACKEND: backend.definition },
      high_priority: { BACKEND: backend.definition },
    },
    OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database } },
    OUTBOX_PUBLISHING: { MAX_PAYLOAD_BYTES: 1024 },
    LOGGING: { LOGGER: log.logger },
    ...overrides,
  });
  return { dispatch, database, backend, log };
}

const count = async (dispatch: Dispatch) => (await dispatch.store.list({ limit: 1000 })).events.length;

describe('publisher', () => {
  it('writes the event in the caller transaction and fires created only after commit', async () => {
    const { dispatch, database } = await setup();
    const seen: string[] = [];
    dispatch.hooks.on('created', (event) => {
      seen.push(event.id);
    });
    const event = await database.transaction(async (tx) => {
      const written = await dispatch.publisher.publishEvent(
        { eventType: 'order.created', source: 'shop', data: { orderId: 1 } },
        { transaction: tx },
      );
      expect(seen).toEqual([]);
      expect(await count(dispatch)).toBe(0);
      return written;
    });
    expect(seen).toEqual([event.id]);
    const stored = await dispatch.store.get(event.id);
    expect(stored).toMatchObject({
      eventType: 'order.created',
      source: 'shop',
      data: { orderId: 1 },
      publisher: 'default',
      backend: 'default',
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  });

  it('leaves nothing and fires nothing when the transaction rolls back', async () => {
    const { dispatch, database } = await setup();
    let fired = 0;
    dispatch.hooks.on('created', () => {
      fired++;
    });
    dispatch.hooks.register('order.created', () => {
      fired++;
    });
    await expect(
      database.transaction(async (tx) => {
        await dispatch.publisher.publishEvent(
          { eventType: 'order.created', source: 'shop' },
          { transaction: tx },
        );
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await count(dispatch)).toBe(0);
    expect(fired).toBe(0);
  });

  it('runs registry handlers by type and logs, not swallows, their errors', async () => {
    const { dispatch, log } = await setup();
    const handled: string[] = [];
    dispatch.hooks.register('user.created', (event) => {
      handled.push(event.eventType);
    });
    dispatch.hooks.register('user.created', () => {
      throw new Error('handler broke');
    });
    const event = await dispatch.publisher.publishEvent({ eventType: 'user.created', source: 'accounts' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual(['user.created']);
    const line = log.lines.find((l) => l.level === 'error');
    expect(line?.message).toContain('handler broke');
    expect(line?.fields.eventId).toBe(event.id);
    expect(await dispatch.store.get(event.id)).not.toBeNull();
  });

  it('routes by publisher name, to default when none is given', async () => {
    const { dispatch } = await setup();
    const a = await dispatch.publisher.publishEvent({ eventType: 't', source: 's' });
    const b = await dispatch.publisher.publishEvent({
      eventType: 't',
      source: 's',
      publisher: 'high_priority',
    });
    expect(a).toMatchObject({ publisher: 'default', backend: 'default' });
    expect(b).toMatchObject({ publisher: 'high_priority', backend: 'high_priority' });
  });

  it('still routes by the deprecated backend name, and refuses it naming another publisher', async () => {
    const { dispatch } = await setup();
    const input = { eventType: 't', source: 's' };
    const old = await dispatch.publisher.publishEvent({ ...input, backend: 'high_priority' });
    expect(old).toMatchObject({ publisher: 'high_priority', backend: 'high_priority' });
    const same = await dispatch.publisher.publishEvent({
      ...input,
      publisher: 'default',
      backend: 'default',
    });
    expect(same.publisher).toBe('default');
    const error = await dispatch.publisher
      .publishEvents([input, { ...input, publisher: 'default', backend: 'high_priority' }])
      .catch((e) => e);
    expect(error.code).toBe('DISPATCH_INVALID_ARGUMENT');
    expect(error.message).toBe(
      'publishEvents input at index 1 names publisher "default" and backend "high_priority": backend is the deprecated name of publisher, give only publisher',
    );
    expect(await count(dispatch)).toBe(2);
  });

  it('uses the only publisher when there is one and it is not called default', async () => {
    const backend = recordingBackend();
    const dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: { events: { BACKEND: backend.definition } },
      OUTBOX_STORE: { STORE: memoryStore },
      LOGGING: { LEVEL: 'silent' },
    });
    expect((await dispatch.publisher.publishEvent({ eventType: 't', source: 's' })).publisher).toBe('events');
  });

  it('refuses an unknown publisher in the caller code, writing nothing', async () => {
    const { dispatch } = await setup();
    const error = await dispatch.publisher
      .publishEvent({ eventType: 't', source: 's', publisher: 'high_priorty' })
      .catch((e) => e);
    expect(error.code).toBe('DISPATCH_UNKNOWN_BACKEND');
    expect(error).toMatchObject({ publisher: 'high_priorty', backend: 'high_priorty' });
    expect(error.message).toContain('Unknown publisher "high_priorty"');
    expect(error.message).toContain('did you mean "high_priority"');
    expect(await count(dispatch)).toBe(0);
  });

  it('refuses to guess between several publishers when none is default', async () => {
    const backend = recordingBackend();
    const dispatch = await createDispatch({
      OUTBOX_PUBLISHERS: { a: { BACKEND: backend.definition }, b: { BACKEND: backend.definition } },
      OUTBOX_STORE: { STORE: memoryStore },
      LOGGING: { LEVEL: 'silent' },
    });
    const error = await dispatch.publisher.publishEvent({ eventType: 't', source: 's' }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_UNKNOWN_BACKEND');
    expect(await count(dispatch)).toBe(0);
  });

  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const invalid: [string, Record<string, unknown>, string][] = [
    ['empty event type', { eventType: '' }, 'eventType'],
    ['over-long source', { source: 'x'.repeat(256) }, 'source'],
    ['BigInt data', { data: { total: 10n } }, 'data.total'],
    ['circular data', { data: cycle }, 'data.self'],
    ['a function in data', { data: { f: () => 1 } }, 'data.f'],
    ['a Map in data', { data: { m: new Map() } }, 'data.m'],
    ['NaN in data', { data: [1, Number.NaN] }, 'data[1]'],
    ['payload over the size limit', { data: { blob: 'x'.repeat(2000) } }, 'data'],
    ['an extra field with a reserved name', { fields: { event_id: 'x' } }, 'fields.event_id'],
    ['an extra field that is not a scalar', { fields: { nested: { a: 1 } } }, 'fields.nested'],
    ['an invalid extension name', { extensions: { 'Bad-Name': 'x' } }, 'extensions.Bad-Name'],
    ['an invalid scheduledAt', { scheduledAt: new Date('nope') }, 'scheduledAt'],
    ['negative maxRetries', { maxRetries: -1 }, 'maxRetries'],
  ];
  it.each(invalid)('refuses %s with its key path, writing nothing', async (_label, bad, path) => {
    const { dispatch } = await setup();
    const error = await dispatch.publisher
      .publishEvent({ eventType: 'order.created', source: 'shop', ...bad } as never)
      .catch((e) => e);
    expect(error.code).toBe('DISPATCH_INVALID_EVENT');
    expect(error.issues.map((issue: { path: string }) => issue.path)).toContain(path);
    expect(error.message).toContain('nothing was written');
    expect(await count(dispatch)).toBe(0);
  });

  it('writes nothing from a batch with one invalid event, and says which', async () => {
    const { dispatch } = await setup();
    const error = await dispatch.publisher
      .publishEvents([
        { eventType: 'a', source: 's' },
        { eventType: 'b', source: 's' },
        { eventType: '', source: 's' },
      ])
      .catch((e) => e);
    expect(error.code).toBe('DISPATCH_INVALID_EVENT');
    expect(error.index).toBe(2);
    expect(await count(dispatch)).toBe(0);
  });

  it('writes a batch in one call', async () => {
    const { dispatch } = await setup();
    const events = await dispatch.publisher.publishEvents(
      Array.from({ length: 50 }, (_, n) => ({ eventType: 'bulk', source: 's', data: { n } })),
    );
    expect(events).toHaveLength(50);
    expect(await count(dispatch)).toBe(50);
  });

  it('keeps every attribute of a CloudEvent', async () => {
    const { dispatch } = await setup();
    const cloudEvent = {
      specversion: '1.0' as const,
      id: 'A234-1234-1234',
      source: '/mycontext',
      type: 'com.example.someevent',
      time: '2018-04-05T17:31:00.000Z',
      subject: 'larger-context',
      datacontenttype: 'application/json',
      dataschema: 'https://example.com/schema.json',
      comexampleextension1: 'value',
      comexampleothervalue: 5,
      data: { appinfoA: 'abc', appinfoB: 123 },
    };
    const event = await dispatch.publisher.publishCloudEvent(cloudEvent, { key: 'k1' });
    expect(toCloudEvent(event)).toEqual(cloudEvent);
    expect(toCloudEvent((await dispatch.store.get('A234-1234-1234'))!)).toEqual(cloudEvent);
  });

  it('refuses a CloudEvent of another spec version or with binary data', async () => {
    const { dispatch } = await setup();
    const error = await dispatch.publisher
      .publishCloudEvent({
        specversion: '0.3',
        id: 'x',
        source: 's',
        type: 't',
        data_base64: 'AA==',
      } as never)
      .catch((e) => e);
    expect(error.code).toBe('DISPATCH_INVALID_EVENT');
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(['specversion', 'data_base64']);
    expect(await count(dispatch)).toBe(0);
  });

  it('skips a second write with the same id (idempotent publishing)', async () => {
    const { dispatch } = await setup();
    await dispatch.publisher.publishEvent({ id: 'order-1-created', eventType: 't', source: 's', data: 1 });
    await dispatch.publisher.publishEvent({ id: 'order-1-created', eventType: 't', source: 's', data: 2 });
    expect(await count(dispatch)).toBe(1);
  });

  it('opens no backend connection until a backend is used', async () => {
    const { dispatch, backend } = await setup();
    await dispatch.publisher.publishEvent({ eventType: 't', source: 's' });
    expect(backend.state.created).toBe(0);
    await dispatch.close();
    expect(backend.state.closed).toBe(0);
  });

  it('refuses to publish after close', async () => {
    const { dispatch } = await setup();
    await dispatch.close();
    const error = await dispatch.publisher.publishEvent({ eventType: 't', source: 's' }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CLOSED');
  });

  it('requires a transaction when the store says so, writing nothing without one', async () => {
    const { dispatch } = await setup({
      OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { requireTransaction: true } },
    });
    const error = await dispatch.publisher.publishEvent({ eventType: 't', source: 's' }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_TRANSACTION_REQUIRED');
    expect(await count(dispatch)).toBe(0);
  });
});

describe('hooks from the configuration', () => {
  it('registers OUTBOX_HOOKS and OUTBOX_HANDLERS in every process that loads the config', async () => {
    const seen: string[] = [];
    const { dispatch } = await setup({
      OUTBOX_HOOKS: {
        created: (event) => {
          seen.push(`created ${event.eventType}`);
        },
      },
      OUTBOX_HANDLERS: {
        'user.created': [
          (event) => {
            seen.push(`handler 1 ${event.eventType}`);
          },
          (event) => {
            seen.push(`handler 2 ${event.eventType}`);
          },
        ],
        'order.created': (event) => {
          seen.push(`order handler ${event.eventType}`);
        },
      },
    });
    await dispatch.publisher.publishEvent({ eventType: 'user.created', source: 's' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.sort()).toEqual(['created user.created', 'handler 1 user.created', 'handler 2 user.created']);
  });

  it('runs OUTBOX_HOOKS.close last when the dispatch closes', async () => {
    const order: string[] = [];
    const { dispatch } = await setup({
      OUTBOX_HOOKS: {
        close: async () => {
          order.push('config resources');
        },
      },
    });
    await dispatch.close();
    await dispatch.close();
    expect(order).toEqual(['config resources']);
  });

  it('refuses hooks that are not functions, with their key path', async () => {
    const error = await setup({
      OUTBOX_HOOKS: { published: 'notify()' as never },
      OUTBOX_HANDLERS: { 'a.b': [1 as never] },
    }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['OUTBOX_HOOKS.published', 'OUTBOX_HANDLERS.a.b']),
    );
  });
});

describe('createDispatch', () => {
  it('reports bad backend options and a bad store at once, with key paths, and no secret values', async () => {
    const { z } = await import('zod');
    const { defineBackend } = await import('../src/index.js');
    const strict = defineBackend({
      type: 'strict',
      options: z.strictObject({ port: z.number(), password: z.string().optional() }),
      create: () => ({ publish: async () => [], health: async () => ({ ok: true }), close: async () => {} }),
    });
    const error = await createDispatch({
      OUTBOX_PUBLISHERS: {
        default: { BACKEND: strict, OPTIONS: { port: 'hunter2-port', password: 's3cret!', prot: 1 } },
      },
      OUTBOX_STORE: { STORE: './does-not-exist.js' },
    }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    const paths = error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'OUTBOX_PUBLISHERS.default.OPTIONS.port',
        'OUTBOX_PUBLISHERS.default.OPTIONS.prot',
        'OUTBOX_STORE.STORE',
      ]),
    );
    expect(error.message).toContain('did you mean "port"');
    expect(error.message).not.toContain('s3cret!');
    expect(error.message).not.toContain('hunter2');
  });
});
