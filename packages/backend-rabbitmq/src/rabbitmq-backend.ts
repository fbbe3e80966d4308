import { defineBackend } from '@dispatch/core';
import { loadAmqplib } from './load-amqplib.js';
import { type RabbitmqOptions, type RabbitmqOptionsInput, rabbitmqOptionsSchema } from './options.js';
import { createRabbitmqDriver } from './rabbitmq-driver.js';

/**
 * The RabbitMQ backend: `BACKEND: '@dispatch/backend-rabbitmq'`. Each event becomes one persistent
 * message on an exchange; a batch goes out on one confirm channel and each event counts as
 * published only once the broker confirmed it.
 */
export const rabbitmqBackend = defineBackend<RabbitmqOptions, RabbitmqOptionsInput>({
  type: 'rabbitmq',
  options: rabbitmqOptionsSchema,
  // No deduplication in RabbitMQ (consumers dedupe by message_id); one batch is one channel, in order.
  capabilities: { idempotent: false, preservesBatchOrder: true },
  // A missing amqplib stops the process at start, with the package to install.
  async prepare() {
    await loadAmqplib();
  },
  create: async (options, context) => createRabbitmqDriver(await loadAmqplib(), options, context),
});
