import { importPeer as importOptional, LoadError } from '@dispatch/core';
import type { ConnectionSettings } from '../connection.js';

/** One command's result in a pipeline: its reply, or the error for that command alone. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: Error };

/** A raw Redis command: name, then arguments. */
export type Command = readonly string[];

/**
 * What the backend needs from a client library, so ioredis and node-redis are interchangeable:
 * pipelines with a result per command, single commands, and lifecycle.
 */
export interface RedisClient {
  readonly library: 'ioredis' | 'node-redis';
  readonly mode: 'standalone' | 'cluster' | 'sentinel';
  /** Connect (or check the ready-made client is usable). Rejects within the connect timeout. */
  connect(): Promise<void>;
  /**
   * Send commands in one round trip to the node that owns `routingKey`; resolves with one result
   * per command, in order. Rejects only if the batch as a whole could not be sent.
   */
  pipeline(commands: readonly Command[], routingKey: string): Promise<Settled[]>;
  /** One command, routed by `routingKey` in a cluster (any node when absent). */
  command(args: Command, routingKey?: string): Promise<unknown>;
  /** Quit cleanly (clients made by the backend only; ready-made ones stay open). */
  close(): Promise<void>;
}

/**
 * Builds a client of one library from the resolved settings. `onError` hears every error the
 * client reports, `onReady` every (re)connection that completes its handshake.
 */
export type CreateRedisClient = (
  settings: ConnectionSettings,
  onError: (error: Error) => void,
  onReady?: () => void,
) => Promise<RedisClient>;

export function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : 'unknown error');
}

/** Import an optional peer dependency, or say exactly what to install. */
export const importPeer = <T>(name: string, client: string, load: () => Promise<T>): Promise<T> =>
  importOptional(load, (cause) => new MissingClientError(name, client, cause));

/** The chosen client library is not installed: a `LoadError` naming the package to install. */
export class MissingClientError extends LoadError {
  constructor(packageName: string, client: string, cause?: unknown) {
    super(
      packageName,
      `@dispatch/backend-redis-stream: OPTIONS.client is "${client}", which needs the package "${packageName}", ` +
        `but it is not installed. Install it next to @dispatch/backend-redis-stream (pnpm add ${packageName}), ` +
        `or set OPTIONS.client to the library you have ("ioredis" or "node-redis").`,
      cause === undefined ? {} : { cause },
    );
  }
}

/** Reconnect at most 1 s apart: a restarted server is back in use within a second of answering. */
export const RECONNECT_MAX_MS = 1000;
