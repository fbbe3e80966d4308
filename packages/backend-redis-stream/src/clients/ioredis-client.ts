import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
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

type IoredisInstance = Redis | Cluster;

/** Reconnect quickly at first, then every 2 s, forever: the worker pauses while we are down. */
const retryStrategy = (times: number): number => Math.min(times * 100, RECONNECT_MAX_MS);

function commonOptions(settings: ConnectionSettings): RedisOptions {
  const options: RedisOptions = {
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: true,
    // Fail fast while disconnected: an outcome of "unavailable" beats a publish stuck in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Never re-send an XADD on its own after a reconnect; the worker decides what to retry.
    autoResendUnfulfilledCommands: false,
    retryStrategy,
    // After a failover the old primary answers READONLY: reconnect (Sentinel finds the new one),
    // without re-sending the command; that event is reported unavailable and retried.
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
    connectionName: 'dispatch-outbox',
  };
  if (settings.commandTimeoutMs !== undefined) options.commandTimeout = settings.commandTimeoutMs;
  if (settings.username !== undefined) options.username = settings.username;
  if (settings.password !== undefined) options.password = settings.password;
  if (settings.tls) options.tls = settings.tls;
  return options;
}

/** Per-node options of a cluster: the cluster itself owns queueing and reconnecting. */
function nodeOptions(settings: ConnectionSettings): ClusterOptions['redisOptions'] {
  const {
    enableOfflineQueue: _queue,
    retryStrategy: _retry,
    lazyConnect: _lazy,
    ...options
  } = commonOptions(settings);
  return options;
}

/** Import ioredis, or fail with a `LoadError` naming the package to install. */
export const loadIoredis = () => importPeer('ioredis', 'ioredis', () => import('ioredis'));

/** Build an ioredis client (standalone, Sentinel or Cluster) from the resolved settings. */
export const createIoredisClient: CreateRedisClient = async (settings, onError, onReady = () => {}) => {
  const module = await loadIoredis();
  const RedisClass = module.Redis ?? module.default;
  let instance: IoredisInstance;
  if (settings.mode === 'cluster') {
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      // Unlike a single connection, a cluster needs its offline queue: without it ioredis refuses
      // commands to node connections still opening, its own ready check included. A node that is
      // down still fails its commands, after socket_timeout at the latest.
      enableOfflineQueue: true,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: settings.connectTimeoutMs,
      redisOptions: nodeOptions(settings),
    };
    instance = new module.Cluster(settings.clusterNodes, clusterOptions);
  } else if (settings.mode === 'sentinel') {
    const options: RedisOptions = {
      ...commonOptions(settings),
      sentinels: settings.sentinels,
      name: settings.sentinelName,
      db: settings.db,
    };
    if (settings.sentinelPassword !== undefined) options.sentinelPassword = settings.sentinelPassword;
    instance = new RedisClass(options);
  } else {
    instance = new RedisClass({
      ...commonOptions(settings),
      host: settings.host,
      port: settings.port,
      db: settings.db,
    });
  }
  instance.on('error', (error: unknown) => onError(asError(error)));
  // Every (re)connection that completes its handshake: the driver tells an outage's end by it.
  instance.on('ready', () => onReady());
  return wrapIoredis(instance, settings.mode, true, settings.connectTimeoutMs);
};

/** Adapt an ioredis `Redis` or `Cluster`; `owned` clients are connected and closed by us. */
export function wrapIoredis(
  instance: IoredisInstance,
  mode: RedisClient['mode'],
  owned: boolean,
  connectTimeoutMs: number,
): RedisClient {
  return {
    library: 'ioredis',
    mode,
    async connect() {
      if (instance.status !== 'wait') return;
      try {
        await instance.connect();
      } catch (error) {
        // Stop its reconnect loop: core creates a fresh driver on the next attempt.
        if (owned) instance.disconnect();
        throw error;
      }
    },
    async pipeline(commands: readonly Command[]): Promise<Settled[]> {
      const pipeline = instance.pipeline();
      for (const [name, ...args] of commands) pipeline.call(name as string, ...args);
      const results = await pipeline.exec();
      if (!results) throw new Error('ioredis returned no pipeline results');
      return results.map(
        ([error, value]): Settled => (error ? { ok: false, error: asError(error) } : { ok: true, value }),
      );
    },
    command([name, ...args]: Command) {
      return instance.call(name as string, ...args);
    },
    async close() {
      if (!owned) return;
      if (instance.status !== 'ready') {
        instance.disconnect();
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        // QUIT lets replies in flight arrive; a server that does not answer gets cut off.
        await Promise.race([
          instance.quit(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('quit timed out')), connectTimeoutMs);
          }),
        ]);
      } catch {
        instance.disconnect();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
