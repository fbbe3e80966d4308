import {
  type BackendContext,
  type BackendDriver,
  type BackendHealth,
  BackendUnavailableError,
  errorForFailure,
  failed,
  failedWith,
  type OutboxEvent,
  type PublishOutcome,
  published,
  redactText,
} from '@dispatch/core';
import { ageTrimCommand, idempotentCommand, trimArgs, xaddCommand } from './append-commands.js';
import { classifyError } from './classify.js';
import { createIoredisClient, wrapIoredis } from './clients/ioredis-client.js';
import { createNodeRedisClient, type NodeRedisInstance, wrapNodeRedis } from './clients/node-redis-client.js';
import type { Command, RedisClient, Settled } from './clients/redis-client.js';
import { type ConnectionSettings, connectionSettings, describeTarget } from './connection.js';
import { IDEMPOTENT_CHUNK } from './idempotent-append.js';
import type { RedisStreamOptions } from './options.js';
import { entryBytes, entryExceeds, type StreamEntry, toStreamEntry } from './stream-entry.js';
import { hashTagOf, isStaticStreamName, streamResolver } from './stream-key.js';

/** An event ready to send: where it goes and what it carries. */
interface Prepared {
  index: number;
  event: OutboxEvent;
  stream: string;
  entry: StreamEntry;
}

/** A command and the events whose outcome its reply decides. */
interface Unit {
  items: Prepared[];
  command: Command;
}

/** Events for one node (one hash tag in a cluster; everything otherwise), sent as one pipeline. */
interface Group {
  routingKey: string;
  items: Prepared[];
}

/** Pick the adapter for a client instance the application passed in. */
function wrapReadyMade(client: object, settings: ConnectionSettings): RedisClient {
  const candidate = client as Record<string, unknown>;
  if (typeof candidate.pipeline === 'function' && 'status' in candidate) {
    const options = candidate.options as { sentinels?: unknown } | undefined;
    const mode = candidate.isCluster === true ? 'cluster' : options?.sentinels ? 'sentinel' : 'standalone';
    return wrapIoredis(client as never, mode, false, settings.connectTimeoutMs);
  }
  const kind: NodeRedisInstance['kind'] =
    'masters' in candidate
      ? 'cluster'
      : typeof candidate.getSentinelNode === 'function'
        ? 'sentinel'
        : 'client';
  return wrapNodeRedis(
    { kind, client } as NodeRedisInstance,
    false,
    settings.connectTimeoutMs,
    settings.commandTimeoutMs,
  );
}

function isNoScript(result: Settled | undefined): boolean {
  return result !== undefined && !result.ok && result.error.message.startsWith('NOSCRIPT');
}

/** The entry id in an XADD reply, or in the idempotent script's `{id, already there}` reply. */
function entryIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** The I/O of the Redis Stream backend; core's wrapper owns lifecycle, timeouts and thrown errors. */
export function createRedisStreamDriver(options: RedisStreamOptions, context: BackendContext): BackendDriver {
  const settings = connectionSettings(options);
  const library = typeof options.client === 'string' ? options.client : 'ready-made client';
  const target = typeof options.client === 'string' ? describeTarget(settings) : 'the ready-made client';
  const streamOf = streamResolver(options.stream_name);
  const staticStream = isStaticStreamName(options.stream_name) ? options.stream_name : undefined;
  let client: RedisClient | undefined;
  let lastClientError: Error | undefined;
  // A client reports every failed reconnect. The worker logs the outage once each way (it pauses
  // the backend); here the loss and the return are debug lines, and the return tells core, so a
  // paused backend resumes as soon as the client is back rather than at the next probe.
  let connectedOnce = false;
  let lostAt: number | undefined;

  const onClientError = (error: Error): void => {
    lastClientError = error;
    const fields = { target, error: redactText(error.message) };
    if (connectedOnce && lostAt === undefined) {
      lostAt = Date.now();
      context.logger.debug(fields, 'Redis connection lost; reconnecting');
    } else {
      context.logger.debug(fields, 'Redis connection error');
    }
  };

  const onClientReady = (): void => {
    connectedOnce = true;
    if (lostAt === undefined) return;
    const seconds = Math.round((Date.now() - lostAt) / 100) / 10;
    lostAt = undefined;
    context.logger.debug({ target, downForSeconds: seconds }, `Redis connection is back after ${seconds} s`);
    context.reconnected();
  };

  const current = (): RedisClient => {
    if (!client) throw new BackendUnavailableError(`Redis stream backend is not connected (${target})`);
    return client;
  };

  const prepare = (events: readonly OutboxEvent[], outcomes: PublishOutcome[]): Prepared[] => {
    const ready: Prepared[] = [];
    events.forEach((event, index) => {
      let stream: string;
      try {
        stream = streamOf(event);
      } catch (error) {
        const message = `stream_name could not name a stream for event ${event.id}: ${(error as Error).message}`;
        outcomes[index] = failedWith(event.id, 'retryable', message, error);
        return;
      }
      const entry = toStreamEntry(event, { timestampFormat: options.timestamp_format });
      if (entryExceeds(entry, options.max_entry_bytes)) {
        const message = `event ${event.id} is ${entryBytes(entry)} bytes as a stream entry; max_entry_bytes is ${options.max_entry_bytes}`;
        outcomes[index] = failedWith(event.id, 'rejected', message);
        return;
      }
      ready.push({ index, event, stream, entry });
    });
    return ready;
  };

  const groupByNode = (items: Prepared[], mode: RedisClient['mode']): Group[] => {
    if (mode !== 'cluster') return items.length > 0 ? [{ routingKey: items[0]?.stream ?? '', items }] : [];
    const groups = new Map<string, Group>();
    for (const item of items) {
      const tag = hashTagOf(item.stream);
      const group = groups.get(tag) ?? { routingKey: item.stream, items: [] };
      group.items.push(item);
      groups.set(tag, group);
    }
    return [...groups.values()];
  };

  /** The commands for some events, each with the events its reply decides. */
  const unitsFor = (items: readonly Prepared[], withSource: boolean, nowMs: number): Unit[] => {
    const trim = trimArgs(options, nowMs);
    if (!options.idempotent) {
      return items.map((item) => ({ items: [item], command: xaddCommand(item.stream, trim, item.entry) }));
    }
    const units: Unit[] = [];
    for (let start = 0; start < items.length; start += IDEMPOTENT_CHUNK) {
      const chunk = items.slice(start, start + IDEMPOTENT_CHUNK);
      const batch = chunk.map((item) => ({ stream: item.stream, eventId: item.event.id, entry: item.entry }));
      units.push({
        items: chunk,
        command: idempotentCommand(batch, options.idempotency_window, trim, withSource),
      });
    }
    return units;
  };

  /** Age trimming and WAIT, after the appends in the same round trip (WAIT last). */
  const trailerFor = (items: readonly Prepared[], nowMs: number): Command[] => {
    const commands: Command[] = [];
    for (const stream of new Set(items.map((item) => item.stream))) {
      const command = ageTrimCommand(options, stream, nowMs);
      if (command) commands.push(command);
    }
    if (options.wait_replicas > 0) {
      commands.push(['WAIT', String(options.wait_replicas), String(Math.round(options.wait_timeout * 1000))]);
    }
    return commands;
  };

  /** Each event's own result within its command's reply. */
  const itemResults = (unit: Unit, result: Settled): Settled[] => {
    if (!result.ok || !options.idempotent) return unit.items.map(() => result);
    const replies = Array.isArray(result.value) ? (result.value as unknown[]) : [];
    return unit.items.map((_, i): Settled => {
      const reply = replies[i];
      if (reply === undefined) {
        return { ok: false, error: new Error('the script returned no reply for this event') };
      }
      if (Array.isArray(reply) && Number(reply[1]) === 2) {
        return { ok: false, error: Object.assign(new Error(String(reply[2])), { name: 'ReplyError' }) };
      }
      return { ok: true, value: reply };
    });
  };

  /** Send one node's events as one pipeline and record an outcome for each. */
  const publishGroup = async (
    redis: RedisClient,
    group: Group,
    outcomes: PublishOutcome[],
  ): Promise<void> => {
    const nowMs = Date.now();
    const perItem = new Map<number, Settled>();
    const send = async (items: readonly Prepared[], withSource: boolean) => {
      const units = unitsFor(items, withSource, nowMs);
      const results = await redis.pipeline(
        [...units.map((unit) => unit.command), ...trailerFor(items, nowMs)],
        group.routingKey,
      );
      const noScript: Prepared[] = [];
      units.forEach((unit, u) => {
        const result = results[u] ?? { ok: false, error: new Error('Redis returned no reply') };
        // An empty script cache (new server, restart, failover) refuses EVALSHA without running
        // anything: those events go again with the script's source, which also caches it.
        if (!withSource && isNoScript(result)) {
          noScript.push(...unit.items);
          return;
        }
        const each = itemResults(unit, result);
        unit.items.forEach((item, i) => {
          perItem.set(item.index, each[i] ?? result);
        });
      });
      return { wait: options.wait_replicas > 0 ? results[results.length - 1] : undefined, noScript };
    };
    let { wait, noScript } = await send(group.items, false);
    if (noScript.length > 0) ({ wait } = await send(noScript, true));

    const replicaShortfall = waitShortfall(wait);
    for (const item of group.items) {
      const result = perItem.get(item.index) ?? { ok: false, error: new Error('Redis returned no reply') };
      if (!result.ok) {
        const kind = classifyError(result.error);
        const message = `XADD to stream "${item.stream}" failed: ${redactText(result.error.message)}`;
        outcomes[item.index] = failedWith(item.event.id, kind, message, result.error);
        continue;
      }
      const ref = entryIdOf(result.value);
      if (!ref) {
        const message = `unexpected reply to XADD on stream "${item.stream}": ${JSON.stringify(result.value)}`;
        outcomes[item.index] = failedWith(item.event.id, 'retryable', message);
        continue;
      }
      if (replicaShortfall) {
        // On the primary but not confirmed by enough replicas: a failover could lose it. This holds
        // for a duplicate too (its original append may not have reached them either).
        outcomes[item.index] = failedWith(item.event.id, 'unavailable', replicaShortfall);
        continue;
      }
      outcomes[item.index] = published(item.event.id, ref);
    }
  };

  const waitShortfall = (result: Settled | undefined): string | undefined => {
    if (!result) return undefined;
    if (!result.ok) {
      return `WAIT for ${options.wait_replicas} replicas failed: ${redactText(result.error.message)}`;
    }
    const acknowledged = Number(result.value);
    if (acknowledged >= options.wait_replicas) return undefined;
    return `only ${acknowledged} of ${options.wait_replicas} replicas acknowledged the write within ${options.wait_timeout} s (wait_replicas)`;
  };

  return {
    async connect() {
      client =
        typeof options.client === 'object'
          ? wrapReadyMade(options.client, settings)
          : options.client === 'node-redis'
            ? await createNodeRedisClient(settings, onClientError, onClientReady)
            : await createIoredisClient(settings, onClientError, onClientReady);
      const connecting = client;
      lastClientError = undefined;
      let timer: NodeJS.Timeout | undefined;
      try {
        // One deadline for the whole handshake (TCP, TLS, AUTH, ready check), whatever the library does.
        await Promise.race([
          connecting.connect(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within connect_timeout (${options.connect_timeout} s)`)),
              options.connect_timeout * 1000,
            );
          }),
        ]);
      } catch (error) {
        client = undefined;
        await connecting.close().catch(() => undefined);
        const cause = error instanceof Error ? error : new Error(String(error));
        // Libraries often reject with "connection closed"; the error event before it says why.
        const reported = lastClientError as Error | undefined;
        const detail =
          reported && reported.message !== cause.message
            ? `${cause.message} (${reported.message})`
            : cause.message;
        throw new BackendUnavailableError(
          `Cannot connect to Redis at ${target} (${library}, connect_timeout ${options.connect_timeout} s): ${redactText(detail)}`,
          { cause },
        );
      } finally {
        clearTimeout(timer);
      }
      context.logger.debug({ target, client: library }, 'Redis stream backend connected');
    },

    async publish(events) {
      const redis = current();
      const outcomes: PublishOutcome[] = new Array(events.length);
      const groups = groupByNode(prepare(events, outcomes), redis.mode);
      const settledGroups = await Promise.allSettled(
        groups.map((group) => publishGroup(redis, group, outcomes)),
      );
      settledGroups.forEach((settled, g) => {
        if (settled.status === 'fulfilled') return;
        // The pipeline as a whole failed (connection lost, ...): every event of that node fails alike.
        const error = settled.reason instanceof Error ? settled.reason : new Error(String(settled.reason));
        const kind = classifyError(error);
        const wrapped = errorForFailure(kind, `Redis pipeline failed: ${redactText(error.message)}`, error);
        for (const item of groups[g]?.items ?? []) {
          outcomes[item.index] = failed(item.event.id, kind, wrapped);
        }
      });
      return outcomes;
    },

    async health(): Promise<BackendHealth> {
      const redis = current();
      let pong: unknown;
      try {
        pong = await redis.command(['PING']);
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        throw new BackendUnavailableError(
          `Redis at ${target} did not answer PING: ${redactText(cause.message)}`,
          { cause },
        );
      }
      const details: Record<string, unknown> = {
        client: redis.library,
        mode: redis.mode,
        target,
        ping: pong,
      };
      if (staticStream !== undefined) {
        const type = String(await redis.command(['TYPE', staticStream], staticStream));
        details.stream = staticStream;
        details.streamExists = type === 'stream';
        if (type === 'stream') {
          details.streamLength = Number(await redis.command(['XLEN', staticStream], staticStream));
        } else if (type !== 'none') {
          return { ok: false, error: `key "${staticStream}" holds a ${type}, not a stream`, details };
        }
      }
      return { ok: true, details };
    },

    async close() {
      const redis = client;
      client = undefined;
      await redis?.close();
    },

    classify: classifyError,
  };
}
