import {
  type BackendContext,
  type BackendDriver,
  type BackendHealth,
  BackendUnavailableError,
  type FailureKind,
  failedWith,
  type OutboxEvent,
  type PublishOutcome,
  published,
  redactText,
} from '@dispatch/core';
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { classifyError, isNoResponders } from './classify.js';
import type { JetStreamModule, TransportModule } from './client.js';
import { connectSettings, describeServers, serverList } from './connection.js';
import { messageBytes, type NatsMessage, toNatsMessage } from './message.js';
import type { NatsOptions } from './options.js';
import { ensureStream, isStreamNotFound } from './stream-setup.js';
import { patternCovers, publishSubjectProblem, subjectResolver } from './subject.js';

/** An event ready to send: where it goes and what it carries. */
interface Prepared {
  index: number;
  event: OutboxEvent;
  subject: string;
  message: NatsMessage;
}

/** One live connection and the JetStream handles on it. */
interface Session {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

const WARN_EVERY_MS = 30_000;

const errorText = (error: unknown): string =>
  redactText(error instanceof Error ? error.message : String(error));

/** The I/O of the NATS backend; core's wrapper owns lifecycle, overall timeouts and thrown errors. */
export function createNatsDriver(
  options: NatsOptions,
  context: BackendContext,
  client: { transport: TransportModule; jetstream: JetStreamModule },
): BackendDriver {
  const target = describeServers(serverList(options));
  const subjectOf = subjectResolver(options.subject);
  const publishTimeoutMs = Math.round(options.publish_timeout * 1000);
  const stream = options.stream;
  let session: Session | undefined;
  let connecting: Promise<Session> | undefined;
  let connected = false;
  let closing = false;
  let streamReady = false;
  let streamSubjects: string[] = [];
  let lastWarnAt = 0;
  /** Called when the connection drops: batches waiting for acks stop waiting. */
  const onLost = new Set<() => void>();

  const warn = (fields: Record<string, unknown>, message: string) => {
    const now = Date.now();
    if (now - lastWarnAt >= WARN_EVERY_MS) {
      lastWarnAt = now;
      context.logger.warn({ target, ...fields }, message);
    } else {
      context.logger.debug({ target, ...fields }, message);
    }
  };

  /** Follow the connection's status; the client reconnects by itself, forever. */
  const watch = (nc: NatsConnection) => {
    const follow = async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect') {
          connected = false;
          for (const notify of [...onLost]) notify();
          warn({}, 'NATS connection lost; reconnecting');
        } else if (status.type === 'reconnect') {
          connected = true;
          context.logger.info({ target }, 'NATS connection restored');
          // A worker that paused this backend checks it now rather than at its next probe.
          context.reconnected();
        } else if (status.type === 'error') {
          warn({ error: errorText(status.error) }, 'NATS connection error');
        } else if (status.type === 'ldm') {
          context.logger.info({ target }, 'NATS server is entering lame duck mode; the client will move');
        }
      }
    };
    follow().catch(() => undefined);
    nc.closed()
      .then(() => {
        // Closed for good (by close(), or the client gave up): the next call opens a new connection.
        if (session?.nc !== nc) return;
        connected = false;
        session = undefined;
        for (const notify of [...onLost]) notify();
      })
      .catch(() => undefined);
  };

  const prepareStream = async (jsm: JetStreamManager): Promise<void> => {
    const info = await ensureStream(jsm, options);
    streamSubjects = info.config.subjects ?? [];
    streamReady = true;
  };

  const open = async (): Promise<Session> => {
    const settings = await connectSettings(options, context.configDir);
    const connectOptions: NodeConnectionOptions = {
      servers: settings.servers,
      name: settings.name,
      timeout: settings.timeoutMs,
      // Reconnect forever: the worker pauses the backend while the server is away.
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      reconnectJitter: 250,
      // A half-open connection is noticed within about 20 s.
      pingInterval: 10_000,
      maxPingOut: 2,
      waitOnFirstConnect: false,
    };
    if (settings.user !== undefined) connectOptions.user = settings.user;
    if (settings.pass !== undefined) connectOptions.pass = settings.pass;
    if (settings.token !== undefined) connectOptions.token = settings.token;
    if (settings.creds !== undefined)
      connectOptions.authenticator = client.transport.credsAuthenticator(settings.creds);
    if (settings.tls !== undefined) connectOptions.tls = settings.tls;
    let nc: NatsConnection;
    try {
      nc = await client.transport.connect(connectOptions);
    } catch (error) {
      throw new BackendUnavailableError(
        `Cannot connect to NATS at ${target} (connect_timeout ${options.connect_timeout} s): ${errorText(error)}`,
        { cause: error },
      );
    }
    try {
      const js = client.jetstream.jetstream(nc, { timeout: publishTimeoutMs });
      const jsm = await client.jetstream.jetstreamManager(nc, { timeout: publishTimeoutMs });
      await prepareStream(jsm);
      connected = true;
      watch(nc);
      context.logger.debug({ target, stream }, 'NATS backend connected');
      return { nc, js, jsm };
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw new BackendUnavailableError(`NATS at ${target}: ${errorText(error)}`, { cause: error });
    }
  };

  /** The live session, or a fresh one when the client gave up for good (it normally never does). */
  const current = async (): Promise<Session> => {
    if (closing) throw new BackendUnavailableError('NATS backend is closing');
    if (session && !session.nc.isClosed()) {
      if (!connected) throw new BackendUnavailableError(`NATS connection to ${target} is down; reconnecting`);
      return session;
    }
    connecting ??= open().finally(() => {
      connecting = undefined;
    });
    session = await connecting;
    return session;
  };

  /** Subject, binding, message and size checks; failures decided here are never sent. */
  const prepare = (
    events: readonly OutboxEvent[],
    nc: NatsConnection,
    outcomes: PublishOutcome[],
  ): Prepared[] => {
    const ready: Prepared[] = [];
    const heldKeys = new Set<string>();
    const maxPayload = nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
    const reject = (index: number, event: OutboxEvent, message: string, kind: FailureKind = 'rejected') => {
      outcomes[index] = failedWith(event.id, kind, message);
      if (event.key !== null) heldKeys.add(event.key);
    };
    events.forEach((event, index) => {
      if (event.key !== null && heldKeys.has(event.key)) {
        reject(
          index,
          event,
          `event ${event.id} was not sent: an earlier event of its key in this batch could not be`,
          'retryable',
        );
        return;
      }
      let subject: string;
      try {
        subject = subjectOf(event);
      } catch (error) {
        reject(index, event, `the subject function failed for event ${event.id}: ${errorText(error)}`);
        return;
      }
      const problem = publishSubjectProblem(subject);
      if (problem) {
        reject(
          index,
          event,
          `subject "${subject}" of event ${event.id} is not a valid NATS subject: it ${problem}`,
        );
        return;
      }
      if (!streamSubjects.some((pattern) => patternCovers(pattern, subject))) {
        reject(
          index,
          event,
          `subject "${subject}" of event ${event.id} is not taken by stream "${stream}" (its subjects: ${JSON.stringify(streamSubjects)})`,
        );
        return;
      }
      const built = toNatsMessage(event, options.cloud_event_mode, options.timestamp_format);
      if (!built.ok) {
        reject(index, event, `event ${event.id} cannot be sent as a NATS message: ${built.problem}`);
        return;
      }
      const bytes = messageBytes(built.message, [
        ['Nats-Msg-Id', event.id],
        ['Nats-Expected-Stream', stream],
      ]);
      if (bytes > maxPayload) {
        reject(
          index,
          event,
          `event ${event.id} is ${bytes} bytes as a NATS message; the server's max_payload is ${maxPayload}`,
        );
        return;
      }
      ready.push({ index, event, subject, message: built.message });
    });
    return ready;
  };

  /** Whether a "no responders" means the stream is gone (false) or JetStream is not answering (true). */
  const jetStreamDown = async (jsm: JetStreamManager): Promise<boolean> => {
    try {
      await jsm.streams.info(stream);
      return false;
    } catch (error) {
      if (isStreamNotFound(error)) {
        streamReady = false;
        return false;
      }
      return true;
    }
  };

  return {
    async connect() {
      await current();
    },

    async publish(events) {
      const { nc, js, jsm } = await current();
      // A stream deleted under a running backend: created again, or reported, before sending.
      if (!streamReady) await prepareStream(jsm);
      const outcomes: PublishOutcome[] = new Array(events.length);
      const ready = prepare(events, nc, outcomes);
      if (ready.length === 0) return outcomes;

      // One settled result per message, written by its ack's callbacks: no promise per message
      // beyond the client's own, and one wait for the whole batch.
      const settled: PromiseSettledResult<PubAck>[] = new Array(ready.length);
      let waiting = ready.length;
      let allSettled!: () => void;
      const done = new Promise<void>((resolve) => {
        allSettled = resolve;
      });
      const settle = (i: number, result: PromiseSettledResult<PubAck>) => {
        if (settled[i] !== undefined) return;
        settled[i] = result;
        waiting -= 1;
        if (waiting === 0) allSettled();
      };
      // A lost connection settles every ack still out as unavailable.
      const lost = () => {
        const reason = new BackendUnavailableError(
          `NATS connection to ${target} was lost before JetStream acknowledged`,
        );
        for (let i = 0; i < ready.length; i += 1) settle(i, { status: 'rejected', reason });
      };
      onLost.add(lost);
      // Every publish is started before any ack is awaited. Each call writes its message to the
      // one connection synchronously, in batch order, and the server stores a connection's
      // messages in the order it received them: the batch, and so each key, keeps its order.
      ready.forEach((item, i) => {
        const headers = client.transport.headers();
        try {
          for (const [name, value] of item.message.headers) headers.append(name, value);
          js.publish(item.subject, item.message.body, {
            msgID: item.event.id,
            headers,
            timeout: publishTimeoutMs,
            expect: { streamName: stream },
          }).then(
            (value) => settle(i, { status: 'fulfilled', value }),
            (reason: unknown) => settle(i, { status: 'rejected', reason }),
          );
        } catch (reason) {
          settle(i, { status: 'rejected', reason });
        }
      });
      await done;
      onLost.delete(lost);

      let downChecked: boolean | undefined;
      for (const [i, result] of settled.entries()) {
        const item = ready[i] as Prepared;
        if (result.status === 'fulfilled') {
          const ack = result.value;
          // A duplicate (the id is in the stream's duplicate window) was stored before: published.
          outcomes[item.index] = published(item.event.id, `${ack.stream}:${ack.seq}`);
          continue;
        }
        const error = result.reason;
        let kind = classifyError(error);
        let message = `publish of event ${item.event.id} to "${item.subject}" failed: ${errorText(error)}`;
        if (isNoResponders(error)) {
          downChecked ??= await jetStreamDown(jsm);
          kind = downChecked ? 'unavailable' : 'retryable';
          message = downChecked
            ? `JetStream at ${target} is not answering on "${item.subject}"`
            : `stream "${stream}" did not answer on "${item.subject}": it is missing or was recreated${options.stream_mode === 'create' ? '; it is created again on the next publish' : ''}`;
        }
        outcomes[item.index] = failedWith(item.event.id, kind, message, error);
      }
      return outcomes;
    },

    async health(): Promise<BackendHealth> {
      const { nc, jsm } = await current();
      const rttMs = await nc.rtt();
      const details: Record<string, unknown> = {
        servers: target,
        connectedTo: describeServers([nc.getServer()]),
        serverName: nc.info?.server_name,
        serverVersion: nc.info?.version,
        rttMs,
        stream,
        streamMode: options.stream_mode,
        subject: typeof options.subject === 'string' ? options.subject : '(function)',
        cloudEventMode: options.cloud_event_mode,
      };
      try {
        const info = await jsm.streams.info(stream);
        details.streamSubjects = info.config.subjects;
        details.streamMessages = info.state.messages;
        details.streamBytes = info.state.bytes;
        details.streamLastSeq = info.state.last_seq;
        details.duplicateWindowSeconds = info.config.duplicate_window / 1e9;
      } catch (error) {
        if (isStreamNotFound(error)) {
          return { ok: false, error: `JetStream stream "${stream}" does not exist`, details };
        }
        throw new BackendUnavailableError(`NATS at ${target}: stream info failed: ${errorText(error)}`, {
          cause: error,
        });
      }
      return { ok: true, details };
    },

    async close() {
      closing = true;
      const pending = connecting;
      const live = session;
      session = undefined;
      await live?.nc.close().catch(() => undefined);
      const late = await pending?.catch(() => undefined);
      await late?.nc.close().catch(() => undefined);
    },

    classify: classifyError,
  };
}
