// RabbitMQ for bench/brokers: the backend as createBackend builds it, and amqplib's own pipelined
// publish of the same messages (a ConfirmChannel, the whole batch published, persistent and
// mandatory, then `waitForConfirms()`).
import { fromPackage } from '../lib/from-package.mjs';

const pkg = fromPackage('backend-rabbitmq');
const { rabbitmqBackend, toAmqpMessage } = await pkg.dist();
const amqp = await pkg.import('amqplib');

const HOST = process.env.BENCH_RABBITMQ_HOST ?? '127.0.0.1';
const PORT = Number(process.env.BENCH_RABBITMQ_PORT ?? 5672);

export const name = 'rabbitmq';
export const definition = rabbitmqBackend;

export async function open(runId) {
  const connection = await amqp.connect({ hostname: HOST, port: PORT, username: 'guest', password: 'guest' });
  const admin = await connection.createChannel();
  const channel = await connection.createConfirmChannel();
  let returned = 0;
  channel.on('return', () => {
    returned += 1;
  });
  const created = [];
  let targets = 0;
  const server = connection.connection.serverProperties;
  return {
    info: `${server.product} ${server.version} at ${HOST}:${PORT}`,
    /** A durable topic exchange and a durable queue bound to all of it: mandatory messages route. */
    async target() {
      targets += 1;
      const exchange = `bench.${runId}.${targets}`;
      const queue = `bench.${runId}.${targets}.q`;
      await admin.assertExchange(exchange, 'topic', { durable: true });
      await admin.assertQueue(queue, { durable: true });
      await admin.bindQueue(queue, exchange, '#');
      created.push({ exchange, queue });
      return {
        options: {
          host: HOST,
          port: PORT,
          exchange,
          exchange_type: 'topic',
          routing_key: '{event_type}',
          persistent: true,
          mandatory: true,
        },
        async count() {
          return (await admin.checkQueue(queue)).messageCount;
        },
        async clear() {
          await admin.purgeQueue(queue);
        },
        async raw(events, batch) {
          for (let i = 0; i < events.length; i += batch) {
            for (const event of events.slice(i, i + batch)) {
              const message = toAmqpMessage(event, 'structured', true, 'isoformat');
              channel.publish(exchange, event.eventType, message.body, {
                ...message.properties,
                mandatory: true,
              });
            }
            await channel.waitForConfirms();
            if (returned > 0) throw new Error(`${returned} messages returned as unroutable`);
          }
        },
      };
    },
    async close() {
      for (const { exchange, queue } of created) {
        await admin.deleteQueue(queue).catch(() => undefined);
        await admin.deleteExchange(exchange).catch(() => undefined);
      }
      await connection.close();
    },
  };
}
