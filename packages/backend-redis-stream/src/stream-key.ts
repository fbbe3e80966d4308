import { eventNameResolver, isPlainName, type OutboxEvent } from '@dispatch/core';
import type { StreamNameFunction } from './options.js';

/** True for a plain stream name: every event goes to that one stream. */
export function isStaticStreamName(streamName: string | StreamNameFunction): streamName is string {
  return isPlainName(streamName);
}

/** Resolves each event's stream key from `stream_name` (a name, a template, or a function). */
export function streamResolver(streamName: string | StreamNameFunction): (event: OutboxEvent) => string {
  return eventNameResolver(streamName, (name, event) =>
    typeof name === 'string' && name.length > 0
      ? undefined
      : `stream_name function returned ${JSON.stringify(name)} for event ${event.id}; expected a non-empty string`,
  );
}

/**
 * The part of a key Redis Cluster hashes: the first non-empty `{...}` section, else the whole key.
 * Keys that share it live in the same slot.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

/**
 * Where the idempotency marker of an event lives: hash-tagged with the stream's own hash tag, so
 * it sits in the stream's slot and the script may touch both in a cluster.
 */
export function dedupeKeyFor(stream: string, eventId: string): string {
  return `dispatch:idem:{${hashTagOf(stream)}}:${eventId}`;
}
