import { randomUUID } from 'node:crypto';
import type { PublishOutcome } from '@dispatch/core';
import { type Backend, createBackend, type Logger, silentLogger } from '@dispatch/core';
import { countingEvents } from '@dispatch/core/testing';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RabbitmqOptionsInput, rabbitmqBackend } from '../src/index.js';

/** The machine's shared RabbitMQ (see environment.md). */
export const SHARED_URL = 'amqp://guest:guest@127.0.0.1:5672';

export function randomName(prefix: string): string {
  return `dispatch-test.${prefix}.${randomUUID()}`;
}

/** Events as a store would hand them to the worker; `data.n` counts up across the run. */
export const { makeEvent, makeEvents } = countingEvents((n) => ({
  eventType: 'order.created',
  source: 'test-suite',
  data: { n },
}));

export interface OpenSettings {
  timeoutMs?: number;
  logger?: Logger;
  configDir?: string;
}

/** A backend built the way Dispatch builds it: options validated, wrapped by core. */
export function openBackend(
  options: RabbitmqOptionsInput,
  { timeoutMs = 20_000, logger = silentLogger, configDir }: OpenSettings = {},
): Promise<Backend> {
  return createBackend(rabbitmqBackend, options, { name: 'default', logger, timeoutMs, configDir });
}

/** Each outcome as `published` or its failure kind. */
export { outcomeKinds } from '@dispatch/core/testing';

/** The error message of a failed outcome; empty for a published one. */
export const errorText = (outcome: PublishOutcome | undefined) =>
  outcome && !outcome.ok ? outcome.error.message : '';

export type QueueKind = 'classic' | 'quorum' | 'stream';

/** Unused test queues expire on their own if a run dies before cleaning up (streams cannot). */
const EXPIRES = { 'x-expires': 10 * 60_000 };

/**
 * A plain amqplib connection of the test's own: declares exchanges and queues, reads messages
 * back, and deletes everything it declared.
 */
export class Inspector {
  readonly model: ChannelModel;
  readonly channel: Channel;
  readonly #queues = new Set<string>();
  readonly #exchanges = new Set<string>();

  private constructor(model: ChannelModel, channel: Channel) {
    this.model = model;
    this.channel = channel;
  }

  static async open(url = SHARED_URL): Promise<Inspector> {
    const model = await amqp.connect(url);
    model.on('error', () => undefined);
    const channel = await model.createChannel();
    return new Inspector(model, channel);
  }

  /** A new channel (one failed check closes a channel; tests that expect that use their own). */
  async scratch<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await this.model.createChannel();
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async exchange(name: string, type = 'topic'): Promise<string> {
    this.#exchanges.add(name);
    await this.channel.assertExchange(name, type, { durable: true, autoDelete: false });
    return name;
  }

  /** Remember an exchange the backend declares, so cleanup removes it. */
  track(exchange: string): void {
    this.#exchanges.add(exchange);
  }

  /** A durable queue of the given kind bound to `exchange` with `pattern`. */
  async queue(
    exchange: string,
    pattern = '#',
    kind: QueueKind = 'classic',
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const name = randomName(`${kind}-queue`);
    this.#queues.add(name);
    const args = kind === 'stream' ? { 'x-queue-type': 'stream' } : { ...EXPIRES, 'x-queue-type': kind };
    await this.channel.assertQueue(name, { durable: true, arguments: { ...args, ...extra } });
    if (exchange !== '') await this.channel.bindQueue(name, exchange, pattern);
    return name;
  }

  /** Every message in a classic or quorum queue, in queue order (taken off the queue). */
  async take(queue: string): Promise<GetMessage[]> {
    const messages: GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (message === false) return messages;
      messages.push(message);
    }
  }

  /** Read a stream queue from its first offset until `count` messages came (or the time runs out). */
  async readStream(queue: string, count: number, timeoutMs = 10_000): Promise<ConsumeMessage[]> {
    const channel = await this.model.createChannel();
    // Stream queues refuse consumers without a prefetch and with automatic acks.
    await channel.prefetch(100);
    const messages: ConsumeMessage[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${messages.length} of ${count} messages in ${queue}`)),
          timeoutMs,
        );
        channel
          .consume(
            queue,
            (message) => {
              if (!message) return;
              messages.push(message);
              channel.ack(message);
              if (messages.length >= count) {
                clearTimeout(timer);
                resolve();
              }
            },
            { noAck: false, arguments: { 'x-stream-offset': 'first' } },
          )
          .catch(reject);
      });
    } finally {
      await channel.close().catch(() => undefined);
    }
    return messages;
  }

  async close(): Promise<void> {
    for (const queue of this.#queues) await this.channel.deleteQueue(queue).catch(() => undefined);
    for (const exchange of this.#exchanges)
      await this.channel.deleteExchange(exchange).catch(() => undefined);
    await this.model.close().catch(() => undefined);
  }
}

/** What a suite on the shared broker has while it runs; see `sharedBrokerSuite`. */
export interface SharedBrokerSuite {
  /** Open from the suite's start to its end. */
  readonly inspector: Inspector;
  /** `openBackend` on the shared broker; the backend is closed after the test. */
  openBackend(options: RabbitmqOptionsInput, settings?: OpenSettings): Promise<Backend>;
}

/** Registers the hooks of a suite on the shared broker: its Inspector, and closing each test's backends. */
export function sharedBrokerSuite(): SharedBrokerSuite {
  const backends: Backend[] = [];
  let inspector: Inspector | undefined;
  beforeAll(async () => {
    inspector = await Inspector.open();
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
  });
  afterAll(async () => {
    await inspector?.close();
  });
  return {
    get inspector() {
      if (!inspector) throw new Error('the Inspector opens before the first test');
      return inspector;
    },
    async openBackend(options, settings) {
      const backend = await openBackend({ url: SHARED_URL, ...options }, settings);
      backends.push(backend);
      return backend;
    },
  };
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * A received message as the flat string map the conformance suite reads: the headers, and
 * `cloud_event` from the body (structured) or rebuilt from the `cloudEvents:` headers, the content
 * type and the body (binary). Written out here, apart from the package's own `messageFields`, so
 * the suite checks the wire format against a second reading of it.
 */
export function wireFields(message: {
  content: Buffer;
  properties: ConsumeMessage['properties'];
}): Record<string, string> {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  const cloudEvent: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('cloudEvents:')) cloudEvent[name.slice('cloudEvents:'.length)] = value;
    else {
      const text = headerText(value);
      if (text !== undefined) fields[name] = text;
    }
  }
  const contentType = String(message.properties.contentType ?? '');
  if (contentType.startsWith('application/cloudevents+json')) {
    fields.cloud_event = message.content.toString('utf8');
  } else {
    cloudEvent.datacontenttype = contentType;
    if (message.content.length > 0) {
      const body = message.content.toString('utf8');
      cloudEvent.data = /json/.test(contentType) ? JSON.parse(body) : body;
    }
    fields.cloud_event = JSON.stringify(cloudEvent);
  }
  return fields;
}
