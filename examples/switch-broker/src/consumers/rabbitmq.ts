import { messageFields } from '@dispatch/backend-rabbitmq';
import amqp, { type ConsumeMessage } from 'amqplib';
import type { Settings } from '../settings.js';
import { type BrokerConsumer, parseFields, type ReceivedEvent, sleep } from './event.js';

/**
 * A durable queue bound to the exchange for every `order.*` routing key. It must exist before the
 * worker publishes: the backend publishes `mandatory`, so an event no queue takes is rejected
 * rather than dropped. One channel, one consumer: the queue delivers in the order it received.
 */
export async function open(settings: Settings): Promise<BrokerConsumer> {
  const { url, exchange, queue } = settings.rabbitmq;
  const connection = await amqp.connect(url);
  const channel = await connection.createChannel();
  // The same declaration as the backend's (durable topic exchange), so whichever comes first wins.
  await channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, 'order.*');
  await channel.prefetch(100);

  const arrived: ConsumeMessage[] = [];
  const { consumerTag } = await channel.consume(queue, (message) => {
    if (message) arrived.push(message);
  });

  async function read(count: number, timeoutMs = 10_000): Promise<ReceivedEvent[]> {
    const events: ReceivedEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    while (events.length < count) {
      const message = arrived.shift();
      if (!message) {
        if (Date.now() >= deadline) break;
        await sleep(50);
        continue;
      }
      events.push(parseFields(`delivery ${message.fields.deliveryTag}`, messageFields(message)));
      channel.ack(message);
    }
    return events;
  }

  async function close(): Promise<void> {
    // Messages received but not read go back to the queue, unacknowledged.
    await channel.cancel(consumerTag);
    await connection.close();
  }

  return {
    read,
    close,
    async remove() {
      await channel.cancel(consumerTag);
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await connection.close();
    },
  };
}
