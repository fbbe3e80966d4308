import { randomBytes } from 'node:crypto';
import { type Backend, createBackend, type Logger, type OutboxEvent, silentLogger } from '@dispatch/core';
import { makeOutboxEvent } from '@dispatch/core/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { type NatsOptionsInput, natsBackend } from '../src/index.js';

/** The machine's shared nats-server with JetStream (see environment.md). */
export const SHARED_NATS = 'nats://127.0.0.1:4222';

/** A suffix that keeps stream names and subjects of parallel runs apart. */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A stream name and subject prefix of its own for one test. */
export function testTarget(label = 't'): { stream: string; prefix: string } {
  const suffix = uniqueSuffix();
  return {
    stream: `DISPATCH_TEST_${label.toUpperCase()}_${suffix}`,
    prefix: `dispatch-test.${label}.${suffix}`,
  };
}

export function makeEvents(count: number, overrides: Partial<OutboxEvent> = {}): OutboxEvent[] {
  return Array.from({ length: count }, (_, n) => makeOutboxEvent({ data: { n }, ...overrides }));
}

export { outcomeKinds } from '@dispatch/core/testing';

/** A backend built the way Dispatch builds it: options validated, wrapped by core. */
export function openBackend(
  options: NatsOptionsInput,
  timeoutMs = 15_000,
  logger: Logger = silentLogger,
): Promise<Backend> {
  return createBackend(natsBackend, options, { name: 'default', logger, timeoutMs });
}

/** A plain connection for reading back what the backend wrote. */
export function inspector(
  servers = SHARED_NATS,
  extra: Partial<NodeConnectionOptions> = {},
): Promise<NatsConnection> {
  return connect({ servers, reconnect: false, timeout: 3000, ...extra });
}

/** One stored message: its subject, sequence, headers (last value of each name) and body. */
export interface StoredMessage {
  seq: number;
  subject: string;
  headers: Record<string, string>;
  body: string;
}

/** Every message of a stream, in stream order, through an ordered consumer. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const out: StoredMessage[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: total - out.length, expires: 2000 });
    let got = 0;
    for await (const msg of batch) {
      got += 1;
      const headers: Record<string, string> = {};
      for (const name of msg.headers?.keys() ?? []) headers[name] = msg.headers?.get(name) ?? '';
      out.push({ seq: msg.seq, subject: msg.subject, headers, body: msg.string() });
    }
    if (got === 0) throw new Error(`stream ${stream}: read ${out.length} of ${total} messages`);
  }
  return out;
}

/** A message as the flat string map the conformance suite reads: headers, and the body as `cloud_event`. */
export function asEntry(message: StoredMessage): Record<string, string> {
  return { ...message.headers, cloud_event: message.body };
}

export async function deleteStreams(nc: NatsConnection, streams: Iterable<string>): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => undefined);
}
