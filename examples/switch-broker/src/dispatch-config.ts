import { natsBackend } from '@dispatch/backend-nats';
import { rabbitmqBackend } from '@dispatch/backend-rabbitmq';
import { redisStreamBackend } from '@dispatch/backend-redis-stream';
import { type DispatchConfig, defineConfig, type PublisherConfig } from '@dispatch/core';
import { mikroOrmStore } from '@dispatch/orm-mikro';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type BrokerName, outboxTable, type Settings } from './settings.js';

/** Redis Streams: one entry per event on one stream. */
function redisPublisher({ redis }: Settings): PublisherConfig {
  return { BACKEND: redisStreamBackend, OPTIONS: { url: redis.url, stream_name: redis.stream } };
}

/** NATS JetStream: one message per event on `<prefix>.<event type>`, stored in one stream. */
function natsPublisher({ nats }: Settings): PublisherConfig {
  return {
    BACKEND: natsBackend,
    OPTIONS: { servers: nats.servers, stream: nats.stream, subject: `${nats.subjectPrefix}.{event_type}` },
  };
}

/** RabbitMQ: one persistent message per event on a topic exchange, routed by event type. */
function rabbitmqPublisher({ rabbitmq }: Settings): PublisherConfig {
  return {
    BACKEND: rabbitmqBackend,
    OPTIONS: { url: rabbitmq.url, exchange: rabbitmq.exchange, routing_key: '{event_type}' },
  };
}

const PUBLISHERS: Record<BrokerName, (settings: Settings) => PublisherConfig> = {
  redis: redisPublisher,
  nats: natsPublisher,
  rabbitmq: rabbitmqPublisher,
};

/**
 * The one configuration the service and the worker share. Only the `default` publisher depends on
 * `BROKER`; the store, the worker settings and the code that writes events are the same for all.
 */
export function dispatchConfig(orm: MikroORM, settings: Settings): DispatchConfig {
  return defineConfig({
    OUTBOX_PUBLISHERS: { default: PUBLISHERS[settings.broker](settings) },
    OUTBOX_STORE: {
      STORE: mikroOrmStore,
      OPTIONS: { orm, tableName: outboxTable(settings), requireTransaction: true },
    },
    // The worker wakes on PostgreSQL NOTIFY when an order commits; SLEEP_TIME is only the fallback poll.
    OUTBOX_WORKER: { SLEEP_TIME: 5 },
    LOGGING: { LEVEL: settings.logLevel },
  });
}
