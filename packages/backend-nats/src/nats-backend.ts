import { defineBackend } from '@dispatch/core';
import { loadClient } from './client.js';
import { createNatsDriver } from './nats-driver.js';
import { type NatsOptions, type NatsOptionsInput, natsOptionsSchema } from './options.js';

/**
 * The NATS JetStream backend: `BACKEND: '@dispatch/backend-nats'`. Each event becomes one message
 * on its subject, with its fields as headers and the CloudEvent as the body; a batch is published
 * pipelined on one connection and every message's PubAck is checked.
 */
export const natsBackend = defineBackend<NatsOptions, NatsOptionsInput>({
  type: 'nats',
  options: natsOptionsSchema,
  // Nats-Msg-Id = event id: JetStream drops a second copy inside its duplicate window. A batch is
  // pipelined on one connection, which keeps its order.
  capabilities: { idempotent: true, preservesBatchOrder: true },
  // A missing client library stops the process at start, with the packages to install.
  async prepare() {
    await loadClient();
  },
  async create(options, context) {
    return createNatsDriver(options, context, await loadClient());
  },
});
