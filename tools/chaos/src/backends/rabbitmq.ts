import { rabbitmqBackend } from '@dispatch/backend-rabbitmq';
import type { BackendDefinition } from '@dispatch/core';
import { RabbitServer } from '@dispatch/test-services/rabbitmq-server';
import amqp from 'amqplib';
import type { RunNames } from '../run-names.js';
import type { BackendKit, BrokerEntry } from './backend-kit.js';

const exchangeOf = (names: RunNames) => `chaos.${names.runId}`;
const queueOf = (names: RunNames) => `chaos.${names.runId}.ledger`;

const header = (headers: Record<string, unknown> | undefined, name: string): string | null => {
  const value = headers?.[name];
  return typeof value === 'string' ? value : value === undefined ? null : String(value);
};

/**
 * RabbitMQ: one topic exchange for the run, routing key = event type, and one durable classic queue
 * bound to all of it (`#`) that the ledger drains at the end, in queue order.
 */
export const rabbitmqKit: BackendKit = {
  label: 'RabbitMQ',
  module: '@dispatch/backend-rabbitmq',
  definition: rabbitmqBackend as BackendDefinition<never>,
  // RabbitMQ has no deduplication: a re-published event is a second message.
  protocols: ['amqp:'],
  defaultPort: 5672,
  startServer: () =>
    RabbitServer.start({ binary: process.env.CHAOS_RABBITMQ_SERVER, name: 'dispatch-chaos' }),
  destinationOf: (_names, eventType) => eventType,
  workerOptions: ({ url, names }) => ({
    url,
    exchange: exchangeOf(names),
    routing_key: '{event_type}',
    connect_timeout: 2,
    publish_timeout: 10,
    heartbeat: 5,
    reconnect_delay: 0.1,
    reconnect_max_delay: 1,
  }),
  async prepare({ url, names }) {
    const exchange = exchangeOf(names);
    const queue = queueOf(names);
    const withChannel = async <T>(work: (channel: amqp.Channel) => Promise<T>): Promise<T> => {
      const connection = await amqp.connect(url, { timeout: 5000 });
      connection.on('error', () => undefined);
      try {
        return await work(await connection.createChannel());
      } finally {
        await connection.close().catch(() => undefined);
      }
    };
    // Declared before producing starts (the backend publishes `mandatory`: an unrouted event fails).
    await withChannel(async (channel) => {
      // The same arguments as the backend's own `exchange_mode: 'declare'`.
      await channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
      await channel.bindQueue(queue, exchange, '#');
    });
    return {
      description: `exchange ${exchange} and queue ${queue}`,
      read: () =>
        withChannel(async (channel) => {
          const { messageCount } = await channel.checkQueue(queue);
          const entries: BrokerEntry[] = [];
          if (messageCount === 0) return entries;
          await channel.prefetch(1000);
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`queue ${queue}: read ${entries.length} of ${messageCount} messages`)),
              120_000,
            );
            channel
              .consume(
                queue,
                (message) => {
                  if (!message) return;
                  const headers = message.properties.headers as Record<string, unknown> | undefined;
                  entries.push({
                    destination: message.fields.routingKey,
                    id: `#${entries.length + 1}`,
                    time: null, // RabbitMQ 3.10 records no arrival time
                    eventId: header(headers, 'event_id') ?? String(message.properties.messageId ?? ''),
                    eventType: header(headers, 'event_type') ?? '',
                    key: header(headers, 'key'),
                  });
                  if (entries.length >= messageCount) {
                    clearTimeout(timer);
                    resolve();
                  }
                },
                { noAck: true },
              )
              .catch(reject);
          });
          return entries;
        }),
      drop: () =>
        withChannel(async (channel) => {
          await channel.deleteQueue(queue);
          await channel.deleteExchange(exchange);
        }),
      close: async () => undefined,
    };
  },
};
