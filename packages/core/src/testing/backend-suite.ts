import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Backend,
  type BackendCapabilities,
  type BackendDefinition,
  isBackendDefinition,
  type ResolvedBackendCapabilities,
} from '../backend.js';
import { toCloudEvent } from '../cloud-event.js';
import type { OutboxEvent } from '../event.js';
import { loadDefinition } from '../loader.js';
import { silentLogger } from '../logger.js';
import { createBackend } from '../managed-backend.js';
import { formatTimestamp, TIMESTAMP_FORMATS } from '../wire-fields.js';
import { makeOutboxEvent, SAMPLE_TRACEPARENT } from './fixtures.js';

export interface BackendConformanceOptions {
  /** Suite title, e.g. `redis-stream (ioredis)`. */
  name: string;
  /** A definition and options for a fresh backend with nothing published yet (e.g. a random stream name). */
  backend: () => Promise<{ definition: BackendDefinition; options: unknown }>;
  /**
   * Raw read-back: the messages the backend actually stored for these events, in the order stored,
   * as flat string maps (the stream-entry format). Lets the suite check the wire format, not just
   * that publish said yes. Leave out for backends that cannot read back.
   */
  readBack?: ((events: readonly OutboxEvent[]) => Promise<Record<string, string>[]>) | undefined;
  /**
   * @deprecated Declare `capabilities` on the definition (`defineBackend`); the suite reads them
   * there. Given here, they override the definition's.
   */
  capabilities?: BackendCapabilities | undefined;
  /**
   * The backend's package entry: the module itself (`() => import('../src/index.js')`), and the
   * `BACKEND` specifier that names it, resolved from `from` (e.g. `'./src/index.ts'` from the
   * package's folder). The suite checks that its default export, and a named one, is the
   * definition under test, and that the specifier loads it. Leave out for a backend that is no
   * package of its own.
   */
  entry?: { module: () => Promise<Record<string, unknown>>; specifier: string; from: string } | undefined;
  setup?: (() => Promise<void> | void) | undefined;
  teardown?: (() => Promise<void> | void) | undefined;
}

/** The rules every backend must follow. Call it inside a vitest test file. */
export function runBackendConformance(options: BackendConformanceOptions): void {
  const open: Backend[] = [];
  /** What the backend under test declares, with the deprecated suite option on top. */
  const capabilitiesOf = (backend: Backend): ResolvedBackendCapabilities => ({
    ...backend.capabilities,
    ...Object.fromEntries(Object.entries(options.capabilities ?? {}).filter(([, v]) => v !== undefined)),
  });

  const fresh = async (): Promise<Backend> => {
    const { definition, options: backendOptions } = await options.backend();
    const backend = await createBackend(definition, backendOptions, {
      name: 'conformance',
      logger: silentLogger,
      timeoutMs: 20_000,
    });
    open.push(backend);
    return backend;
  };

  /** The fields every backend writes the same, whatever else an event carries. */
  const expectReservedFields = (entry: Record<string, string> | undefined, event: OutboxEvent) => {
    expect(entry?.event_id).toBe(event.id);
    expect(entry?.event_type).toBe(event.eventType);
    expect(entry?.source).toBe(event.source);
    // Either form of the wire format, of the event's own creation time.
    expect(TIMESTAMP_FORMATS.map((format) => formatTimestamp(event.createdAt, format))).toContain(
      entry?.timestamp,
    );
    expect(JSON.parse(entry?.cloud_event ?? 'null')).toEqual(toCloudEvent(event));
  };

  describe(`backend conformance: ${options.name}`, () => {
    beforeAll(async () => {
      await options.setup?.();
    });
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((backend) => backend.close()));
    });
    afterAll(async () => {
      await options.teardown?.();
    });

    it('reports one published outcome per event, in the order given', async () => {
      const backend = await fresh();
      const events = Array.from({ length: 5 }, (_, n) => makeOutboxEvent({ data: { n } }));
      const outcomes = await backend.publish(events);
      expect(outcomes.map((o) => o.id)).toEqual(events.map((e) => e.id));
      for (const outcome of outcomes) expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    });

    it('publishes an empty batch as a no-op', async () => {
      const backend = await fresh();
      expect(await backend.publish([])).toEqual([]);
    });

    it('publishes a large batch completely', async () => {
      const backend = await fresh();
      const events = Array.from({ length: 1000 }, (_, n) => makeOutboxEvent({ data: { n } }));
      const outcomes = await backend.publish(events);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1000);
      if (options.readBack) expect(await options.readBack(events)).toHaveLength(1000);
    });

    it('takes concurrent batches from several callers', async () => {
      const backend = await fresh();
      const batches = Array.from({ length: 4 }, () => Array.from({ length: 25 }, () => makeOutboxEvent()));
      const results = await Promise.all(batches.map((batch) => backend.publish(batch)));
      expect(results.flat().every((o) => o.ok)).toBe(true);
    });

    it('reports healthy when reachable', async () => {
      const backend = await fresh();
      const health = await backend.health();
      expect(health.ok, health.error).toBe(true);
    });

    it('refuses use after close, and close is idempotent', async () => {
      const backend = await fresh();
      await backend.publish([makeOutboxEvent()]);
      await backend.close();
      await backend.close();
      await expect(backend.publish([makeOutboxEvent()])).rejects.toMatchObject({ code: 'DISPATCH_CLOSED' });
      expect((await backend.health()).ok).toBe(false);
    });

    describe.skipIf(!options.readBack)('wire format (raw read-back)', () => {
      it('stores the Django Dispatch fields: event_id, event_type, source, timestamp and the complete cloud_event', async () => {
        const backend = await fresh();
        const event = makeOutboxEvent({
          subject: 'order/42',
          dataSchema: 'https://example.com/schemas/order.json',
          data: { total: 12.5, items: ['a', 'b'], note: 'ünïcødé ✓' },
          extensions: {
            tenant: 'acme',
            priority: 3,
            traceparent: SAMPLE_TRACEPARENT,
          },
          fields: { region: 'eu', retries: 2, urgent: true },
          key: 'order-42',
        });
        await backend.publish([event]);
        const [entry] = await options.readBack!([event]);
        expect(entry).toBeDefined();
        expectReservedFields(entry, event);
        expect(entry?.key).toBe('order-42');
        expect(entry?.region).toBe('eu');
        expect(entry?.retries).toBe('2');
        expect(entry?.urgent).toBe('true');
        expect(entry?.traceparent).toBe(SAMPLE_TRACEPARENT);
      });

      it('never lets extra fields overwrite reserved ones', async () => {
        const backend = await fresh();
        const event = makeOutboxEvent({
          fields: {
            event_id: 'forged',
            event_type: 'forged',
            source: 'forged',
            cloud_event: '{}',
            timestamp: 'x',
          },
        });
        await backend.publish([event]);
        const [entry] = await options.readBack!([event]);
        expectReservedFields(entry, event);
      });

      it('stores a batch in the order given, when it declares preservesBatchOrder', async (test) => {
        const backend = await fresh();
        // A backend that declares it may reorder a batch owes no order here (the worker sends keys in waves).
        if (!capabilitiesOf(backend).preservesBatchOrder) test.skip('declares preservesBatchOrder: false');
        const events = Array.from({ length: 20 }, (_, n) => makeOutboxEvent({ data: { n } }));
        await backend.publish(events);
        const entries = await options.readBack!(events);
        expect(entries.map((entry) => entry.event_id)).toEqual(events.map((e) => e.id));
      });
    });

    describe.skipIf(!options.entry)('package entry', () => {
      it('exports the definition as default and by name', async () => {
        const { definition } = await options.backend();
        const module = await options.entry!.module();
        expect(module.default).toBe(definition);
        expect(isBackendDefinition(module.default)).toBe(true);
        const named = Object.entries(module).filter(
          ([name, value]) => name !== 'default' && value === definition,
        );
        expect(named, 'a named export of the definition').not.toHaveLength(0);
      });

      it('is what a BACKEND specifier loads', async () => {
        const { definition } = await options.backend();
        const loaded = await loadDefinition(options.entry!.specifier, 'backend', options.entry!.from);
        expect(isBackendDefinition(loaded)).toBe(true);
        expect(loaded.type).toBe(definition.type);
      });
    });

    describe.skipIf(!options.readBack)('idempotent append', () => {
      it('publishing the same batch twice stores each event once, when it declares idempotent', async (test) => {
        const backend = await fresh();
        // At-least-once backends (RabbitMQ) declare it and owe no deduplication.
        if (!capabilitiesOf(backend).idempotent) test.skip('declares idempotent: false');
        const events = Array.from({ length: 10 }, (_, n) => makeOutboxEvent({ data: { n } }));
        const first = await backend.publish(events);
        const second = await backend.publish(events);
        expect(first.every((o) => o.ok)).toBe(true);
        expect(second.every((o) => o.ok)).toBe(true);
        const entries = await options.readBack!(events);
        expect(entries.map((entry) => entry.event_id)).toEqual(events.map((e) => e.id));
      });
    });
  });
}
