import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Settings } from '../settings.js';
import { type BrokerConsumer, parseFields, type ReceivedEvent, sleep } from './event.js';

/** The wire fields the NATS backend sends as headers (the CloudEvent is the body). */
const HEADERS = ['event_id', 'event_type', 'source', 'timestamp', 'key'] as const;

/**
 * A durable JetStream pull consumer on the stream, from its first message. It remembers what was
 * acknowledged, so a second read goes on where the first stopped. `max_ack_pending: 1` hands out
 * one message at a time, which keeps each key's order even with several readers.
 */
export async function open(settings: Settings): Promise<BrokerConsumer> {
  const { servers, stream } = settings.nats;
  const durable = settings.consumerName;
  const nc = await connect({ servers });
  const jsm = await jetstreamManager(nc);
  let attached = false;

  /** The worker's first publish creates the stream: until then there is nothing to attach to. */
  async function attach(deadline: number): Promise<void> {
    while (!attached) {
      try {
        await jsm.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          max_ack_pending: 1,
        });
        attached = true;
      } catch (error) {
        if ((error as Error).name !== 'StreamNotFoundError' || Date.now() >= deadline) throw error;
        await sleep(200);
      }
    }
  }

  async function read(count: number, timeoutMs = 10_000): Promise<ReceivedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    await attach(deadline);
    const consumer = await jetstream(nc).consumers.get(stream, durable);
    const events: ReceivedEvent[] = [];
    while (events.length < count && Date.now() < deadline) {
      const batch = await consumer.fetch({
        max_messages: count - events.length,
        expires: Math.max(1000, Math.min(5000, deadline - Date.now())),
      });
      for await (const msg of batch) {
        const fields: Record<string, string> = { cloud_event: msg.string() };
        for (const name of HEADERS) {
          const value = msg.headers?.get(name);
          if (value) fields[name] = value;
        }
        events.push(parseFields(`${stream}:${msg.seq}`, fields));
        // Wait for the server to record the ack, so the next message (and the next read) follows it.
        await msg.ackAck();
      }
    }
    return events;
  }

  return {
    read,
    close: () => nc.close(),
    async remove() {
      // Deleting the stream deletes its consumers with it.
      await jsm.streams.delete(stream).catch((error: Error) => {
        if (error.name !== 'StreamNotFoundError') throw error;
      });
      await nc.close();
    },
  };
}
