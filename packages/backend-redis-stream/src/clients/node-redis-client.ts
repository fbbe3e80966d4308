import type { RedisClientOptions, RedisClientType, RedisClusterType, RedisSentinelType } from '@redis/client';
import type { ConnectionSettings } from '../connection.js';
import {
  asError,
  type Command,
  type CreateRedisClient,
  importPeer,
  RECONNECT_MAX_MS,
  type RedisClient,
  type Settled,
} from './redis-client.js';

type NodeRedisClient = RedisClientType;
type NodeRedisCluster = RedisClusterType;
type NodeRedisSentinel = RedisSentinelType;

export type NodeRedisInstance =
  | { kind: 'client'; client: NodeRedisClient }
  | { kind: 'cluster'; client: NodeRedisCluster }
  | { kind: 'sentinel'; client: NodeRedisSentinel };

type SocketOptions = NonNullable<RedisClientOptions['socket']>;

/**
 * Reconnect forever once connected (the worker pauses meanwhile), but give up on a first connect
 * that fails, so `connect()` reports why (refused, wrong password) instead of retrying silently;
 * core makes a fresh driver on the next attempt.
 */
function reconnectStrategy(state: { connected: boolean }) {
  return (retries: number, cause: Error): number | Error =>
    state.connected ? Math.min((retries + 1) * 100, RECONNECT_MAX_MS) : cause;
}

function clientOptions(
  settings: ConnectionSettings,
  withDatabase: boolean,
  state: { connected: boolean },
): RedisClientOptions {
  const socket: Record<string, unknown> = {
    connectTimeout: settings.connectTimeoutMs,
    reconnectStrategy: reconnectStrategy(state),
  };
  if (settings.tls) Object.assign(socket, settings.tls, { tls: true });
  const options: RedisClientOptions = {
    socket: socket as SocketOptions,
    // Fail fast while disconnected: an outcome of "unavailable" beats a publish stuck in a queue.
    disableOfflineQueue: true,
    name: 'dispatch-outbox',
  };
  if (withDatabase) options.database = settings.db;
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.password !== undefined) options.password = settings.password;
  return options;
}

/** Import `@redis/client`, or fail with a `LoadError` naming the package to install. */
export const loadNodeRedis = () => importPeer('@redis/client', 'node-redis', () => import('@redis/client'));

/** Build a node-redis (`@redis/client`) client, cluster or Sentinel client from the resolved settings. */
export const createNodeRedisClient: CreateRedisClient = async (settings, onError, onReady = () => {}) => {
  const module = await loadNodeRedis();
  const state = { connected: false };
  let instance: NodeRedisInstance;
  if (settings.mode === 'cluster') {
    const cluster = module.createCluster({
      rootNodes: settings.clusterNodes.map((node) => ({ socket: { host: node.host, port: node.port } })),
      defaults: clientOptions(settings, false, state),
    }) as unknown as NodeRedisCluster;
    instance = { kind: 'cluster', client: cluster };
  } else if (settings.mode === 'sentinel') {
    const sentinelClientOptions: RedisClientOptions = {
      socket: { connectTimeout: settings.connectTimeoutMs, reconnectStrategy: reconnectStrategy(state) },
    };
    if (settings.sentinelPassword !== undefined) sentinelClientOptions.password = settings.sentinelPassword;
    const sentinel = module.createSentinel({
      name: settings.sentinelName,
      sentinelRootNodes: settings.sentinels,
      nodeClientOptions: clientOptions(settings, true, state) as never,
      sentinelClientOptions: sentinelClientOptions as never,
    }) as unknown as NodeRedisSentinel;
    instance = { kind: 'sentinel', client: sentinel };
  } else {
    const options = clientOptions(settings, true, state);
    options.socket = { ...options.socket, host: settings.host, port: settings.port } as SocketOptions;
    instance = { kind: 'client', client: module.createClient(options) as unknown as NodeRedisClient };
  }
  instance.client.on('error', (error: unknown) => onError(asError(error)));
  // Every (re)connection that completes its handshake: the driver tells an outage's end by it.
  instance.client.on('ready', () => onReady());
  return wrapNodeRedis(instance, true, settings.connectTimeoutMs, settings.commandTimeoutMs, state);
};

/** Adapt a node-redis client, cluster or Sentinel client; `owned` ones are connected and closed by us. */
export function wrapNodeRedis(
  instance: NodeRedisInstance,
  owned: boolean,
  connectTimeoutMs: number,
  commandTimeoutMs: number | undefined,
  state: { connected: boolean } = { connected: true },
): RedisClient {
  const options = commandTimeoutMs === undefined ? undefined : { timeout: commandTimeoutMs };
  const settle = (work: Promise<unknown>[]): Promise<Settled[]> =>
    Promise.allSettled(work).then((results) =>
      results.map(
        (result): Settled =>
          result.status === 'fulfilled'
            ? { ok: true, value: result.value }
            : { ok: false, error: asError(result.reason) },
      ),
    );
  return {
    library: 'node-redis',
    mode: instance.kind === 'client' ? 'standalone' : instance.kind,
    async connect() {
      if (instance.client.isOpen) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        // node-redis keeps retrying inside connect(); give up after the connect timeout.
        await Promise.race([
          instance.client.connect(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), {
                    code: 'ETIMEDOUT',
                  }),
                ),
              connectTimeoutMs,
            );
          }),
        ]);
        state.connected = true;
      } catch (error) {
        if (owned) await Promise.resolve(instance.client.destroy()).catch(() => undefined);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    pipeline(commands: readonly Command[], routingKey: string): Promise<Settled[]> {
      // Commands issued in the same tick go out in one write: node-redis pipelines them itself.
      switch (instance.kind) {
        case 'client':
          return settle(commands.map((args) => instance.client.sendCommand([...args], options)));
        case 'cluster':
          return settle(
            commands.map((args) => instance.client.sendCommand(routingKey, false, [...args], options)),
          );
        case 'sentinel':
          // Lease one connection so the batch (and any WAIT after it) shares it.
          return instance.client.use((client) =>
            settle(commands.map((args) => client.sendCommand(false, [...args], options))),
          );
      }
    },
    command(args: Command, routingKey?: string) {
      switch (instance.kind) {
        case 'client':
          return instance.client.sendCommand([...args], options);
        case 'cluster':
          return instance.client.sendCommand(routingKey, false, [...args], options);
        case 'sentinel':
          return instance.client.sendCommand(false, [...args], options);
      }
    },
    async close() {
      if (!owned || !instance.client.isOpen) return;
      if ('isReady' in instance.client && !instance.client.isReady) {
        // Nothing to flush; a graceful close would wait for a reconnect that may never come.
        await Promise.resolve(instance.client.destroy()).catch(() => undefined);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          instance.client.close(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('close timed out')), connectTimeoutMs);
          }),
        ]);
      } catch {
        await Promise.resolve(instance.client.destroy()).catch(() => undefined);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
