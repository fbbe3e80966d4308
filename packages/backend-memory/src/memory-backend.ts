import { type BackendDriver, defineBackend, optionSchemas } from '@dispatch/core';
import { z } from 'zod';
import { isMemoryBroker, type MemoryBroker, sharedBroker } from './memory-broker.js';

export interface MemoryBackendOptions {
  /** Stream the entries go to. @default 'events' */
  stream_name?: string | undefined;
  /** Where entries are kept; share it with a test to inspect them. @default the process-wide `sharedBroker()` */
  broker?: MemoryBroker | undefined;
  /** Skip an event whose id is already in the stream (like the Redis backend's idempotent append). @default false */
  idempotent?: boolean | undefined;
  /** The `timestamp` field's form, as the Redis stream backend's option. @default 'isoformat' */
  timestamp_format?: 'isoformat' | 'toISOString' | undefined;
}

const optionsSchema = z.strictObject({
  stream_name: z
    .string({ error: 'expected a stream name' })
    .min(1, { error: 'must not be empty' })
    .optional()
    .default('events'),
  broker: z
    .custom<MemoryBroker>(isMemoryBroker, { error: 'expected a MemoryBroker from @dispatch/backend-memory' })
    .optional(),
  idempotent: z.boolean({ error: 'expected true or false' }).optional().default(false),
  timestamp_format: optionSchemas.timestampFormat(),
});

type ParsedOptions = z.output<typeof optionsSchema>;

/**
 * An in-process backend for tests and local development: it appends each event to a stream of a
 * `MemoryBroker`, in the Redis stream backend's field format. Nothing leaves the process.
 */
export const memoryBackend = defineBackend<ParsedOptions, MemoryBackendOptions>({
  type: 'memory',
  options: optionsSchema,
  // A second publish of an id is skipped; a batch is appended in order.
  capabilities: { idempotent: true, preservesBatchOrder: true },
  create(options): BackendDriver {
    const broker = options.broker ?? sharedBroker();
    return {
      publish: (events) =>
        broker.publish(options.stream_name, events, {
          idempotent: options.idempotent,
          timestampFormat: options.timestamp_format,
        }),
      async health() {
        return broker.health();
      },
      async close() {},
    };
  },
});
