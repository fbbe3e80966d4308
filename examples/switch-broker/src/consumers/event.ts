import type { CloudEvent } from '@dispatch/core';

/** One event as a consumer received it, whichever broker carried it. */
export interface ReceivedEvent {
  /** Where the broker put it: a stream entry id, `<stream>:<sequence>`, or a delivery tag. */
  position: string;
  /** Which event it is: the same on every copy of an event. Deduplicate on this. */
  eventId: string;
  eventType: string;
  source: string;
  /** The ordering key (here the customer id). */
  key: string | undefined;
  cloudEvent: CloudEvent;
}

/** A reader of the events the worker published; every broker's consumer has this shape. */
export interface BrokerConsumer {
  /**
   * Up to `count` events, in the order they arrived, each acknowledged once it was read; fewer when
   * `timeoutMs` passes first.
   */
  read(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
  /** Delete what this example created on the broker (stream, consumer, queue, exchange), then close. */
  remove(): Promise<void>;
}

/**
 * Every Dispatch backend writes the same wire fields (`event_id`, `event_type`, `source`, `key`,
 * `cloud_event`, ...): Redis as entry fields, NATS as headers plus the body, RabbitMQ as headers plus
 * the body. So one parser fits all three once each consumer has gathered them into a flat map.
 */
export function parseFields(position: string, fields: Readonly<Record<string, string>>): ReceivedEvent {
  const { event_id, event_type, source, cloud_event } = fields;
  if (!event_id || !event_type || !source || !cloud_event) {
    throw new Error(`message at ${position} lacks one of event_id, event_type, source, cloud_event`);
  }
  const cloudEvent = JSON.parse(cloud_event) as CloudEvent;
  if (cloudEvent.id !== event_id || cloudEvent.type !== event_type || cloudEvent.source !== source) {
    throw new Error(`message at ${position}: its CloudEvent does not match event_id / event_type / source`);
  }
  return { position, eventId: event_id, eventType: event_type, source, key: fields.key, cloudEvent };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
