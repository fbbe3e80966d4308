import { MemoryBroker, memoryBackend } from '@dispatch/backend-memory';
import { createDispatch, type Dispatch, type DispatchConfig, type OutboxEvent } from '@dispatch/core';
import { type LogLine, MemoryDatabase, memoryStore, recordingLogger } from '@dispatch/core/testing';

export { type LogLine, recordingLogger };

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
    OUTBOX_PUBLISHERS: Object.fromEntries(
      publishers.map((name) => [name, { BACKEND: memoryBackend, OPTIONS: { broker, stream_name: name } }]),
    ),
    OUTBOX_STORE: { STORE: memoryStore, OPTIONS: { database: db } },
    LOGGING: { LOGGER: logger },
    ...config,
  });
  return {
    db,
    broker,
    dispatch,
    logs: logger.lines,
    async publish(count, input = {}) {
      const events = await dispatch.publisher.publishEvents(
        Array.from({ length: count }, (_, n) => ({
          eventType: 'order.created',
          source: 'shop',
          data: { n },
          ...input,
        })),
      );
      return events.map((event) => event.id);
    },
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
