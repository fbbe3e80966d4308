import { MemoryBroker, memoryBackend } from '@dispatch/backend-memory';
import {
  createDispatch,
  type Dispatch,
  type DispatchConfig,
  type OutboxEvent,
  type PublisherConfig,
} from '@dispatch/core';
import { type LogLine, MemoryDatabase, memoryStore, recordingLogger } from '@dispatch/core/testing';
import { expect, type Mock } from 'vitest';

export { type LogLine, recordingLogger };

/** `OUTBOX_PUBLISHERS` with each name a stream of one memory broker. */
export function memoryPublishers(
  broker: MemoryBroker,
  names: readonly string[] = ['default'],
): Record<string, PublisherConfig> {
  return Object.fromEntries(
    names.map((name) => [name, { BACKEND: memoryBackend, OPTIONS: { broker, stream_name: name } }]),
  );
}

/** Publish `count` `order.created` events in one call (one transaction), in this order; their ids. */
export async function publishOrders(
  dispatch: Pick<Dispatch, 'publisher'>,
  count: number,
  input: Record<string, unknown> = {},
): Promise<string[]> {
  const events = await dispatch.publisher.publishEvents(
    Array.from({ length: count }, (_, n) => ({
      eventType: 'order.created',
      source: 'shop',
      data: { n },
      ...input,
    })),
  );
  return events.map((event) => event.id);
}

/** The failed hook fired once for `id` with `lastError`, and an error line said it ran out of retries. */
export function expectOutOfRetries(
  failedHook: Mock,
  logs: readonly LogLine[],
  id: string,
  lastError: string,
) {
  expect(failedHook).toHaveBeenCalledTimes(1);
  expect(failedHook.mock.calls[0]?.[0]).toMatchObject({ id, status: 'failed', lastError });
  expect(
    logs.some((l) => l.level === 'error' && l.fields.eventId === id && /out of retries/.test(l.message)),
  ).toBe(true);
}

export interface Harness {
  db: MemoryDatabase;
  broker: MemoryBroker;
  dispatch: Dispatch;
  logs: LogLine[];
  /** Publish `count` events through the publisher (in-process commit: fires `created`). */
  publish(count: number, input?: Record<string, unknown>): Promise<string[]>;
  row(id: string): OutboxEvent & { owner: string | null };
  statuses(): Record<string, number>;
}

export async function harness(
  overrides: Partial<DispatchConfig> & { publishers?: string[] } = {},
): Promise<Harness> {
  const db = new MemoryDatabase();
  const broker = new MemoryBroker();
  const logger = recordingLogger();
  const { publishers = ['default'], ...config } = overrides;
  const dispatch = await createDispatch({
    OUTBOX_PUBLISHERS: memoryPublishers(broker, publishers),
    OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: db } },
    LOGGING: { LOGGER: logger },
    ...config,
  });
  return {
    db,
    broker,
    dispatch,
    logs: logger.lines,
    publish: (count, input) => publishOrders(dispatch, count, input),
    row(id) {
      const row = db.rows.get(id);
      if (!row) throw new Error(`no row ${id}`);
      return row;
    },
    statuses() {
      const counts: Record<string, number> = {};
      for (const row of db.rows.values()) counts[row.status] = (counts[row.status] ?? 0) + 1;
      return counts;
    },
  };
}

/** Publish `total` events of `eventType` a thousand per call; their ids. */
export async function publishMany(
  dispatch: Pick<Dispatch, 'publisher'>,
  total: number,
  eventType: string,
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let start = 0; start < total; start += 1000) {
    const events = await dispatch.publisher.publishEvents(
      Array.from({ length: Math.min(1000, total - start) }, (_, i) => ({
        eventType,
        source: 'it',
        data: { n: start + i },
      })),
    );
    for (const event of events) ids.add(event.id);
  }
  return ids;
}
