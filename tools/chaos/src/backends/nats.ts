import { natsBackend } from '@dispatch/backend-nats';
import { type BackendDefinition, createBackend, silentLogger } from '@dispatch/core';
import { NatsServer } from '@dispatch/test-services/nats-server';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { RunNames } from '../run-names.js';
import type { BackendKit, BrokerEntry } from './backend-kit.js';

const streamOf = (names: RunNames) => `CHAOS_${names.runId}`;
const subjectOf = (names: RunNames, eventType: string) => `chaos.${names.runId}.${eventType}`;
const CONSUMER = 'chaos-ledger';

/**
 * NATS JetStream: one stream for the run, a subject per event type. The backend creates the stream
 * itself (its own stream settings); the ledger reads it through a durable consumer made right after.
 */
export const natsKit: BackendKit = {
  label: 'NATS',
  module: '@dispatch/backend-nats',
  definition: natsBackend as BackendDefinition<never>,
  protocols: ['nats:'],
  defaultPort: 4222,
  startServer: () => NatsServer.start({ binary: process.env.CHAOS_NATS_SERVER, name: 'dispatch-chaos' }),
  destinationOf: subjectOf,
  workerOptions: ({ url, names, idempotent }) => ({
    servers: url,
    stream: streamOf(names),
    subject: `chaos.${names.runId}.{event_type}`,
    // Idempotent append off: JetStream's floor, so a second publish is a second message.
    duplicate_window: idempotent ? 3600 : 0.1,
    connect_timeout: 2,
    publish_timeout: 5,
  }),
  async prepare({ url, names, idempotent }) {
    // The backend's first connection creates the stream, exactly as a worker's would.
    const backend = await createBackend(
      natsBackend,
      natsKit.workerOptions({ url, names, idempotent, redisClient: 'ioredis' }),
      { name: 'chaos', logger: silentLogger, timeoutMs: 20_000 },
    );
    try {
      const health = await backend.health();
      if (!health.ok) throw new Error(`NATS at ${url}: ${health.error}`);
    } finally {
      await backend.close();
    }
    const stream = streamOf(names);
    const nc = await connect({ servers: url, timeout: 5000, maxReconnectAttempts: -1 });
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(stream, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    return {
      description: `JetStream stream ${stream}`,
      async read() {
        const consumer = await jetstream(nc).consumers.get(stream, CONSUMER);
        const entries: BrokerEntry[] = [];
        for (let empty = 0; empty < 5; ) {
          const pending = (await consumer.info()).num_pending;
          if (pending === 0) return entries;
          const batch = await consumer.fetch({ max_messages: Math.min(pending, 1000), expires: 2000 });
          const before = entries.length;
          for await (const msg of batch) {
            entries.push({
              destination: msg.subject,
              id: String(msg.seq),
              time: Math.floor(msg.info.timestampNanos / 1e6),
              eventId: msg.headers?.get('event_id') ?? '',
              eventType: msg.headers?.get('event_type') ?? '',
              key: msg.headers?.has('key') ? (msg.headers.get('key') ?? null) : null,
            });
          }
          empty = entries.length === before ? empty + 1 : 0;
        }
        throw new Error(`stream ${stream}: the consumer stopped delivering after ${entries.length} messages`);
      },
      async drop() {
        await jsm.streams.delete(stream);
      },
      async close() {
        await nc.close();
      },
    };
  },
};
