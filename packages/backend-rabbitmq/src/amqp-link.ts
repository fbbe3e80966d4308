import { BackendUnavailableError, type Logger, redactText } from '@dispatch/core';
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { ConnectionSettings } from './connection.js';
import type { AmqplibModule } from './load-amqplib.js';

/** How a link reconnects and what it reports, resolved from the options. */
export interface LinkOptions {
  settings: ConnectionSettings;
  /** Where it connects, without credentials. */
  target: string;
  /** Shown by the broker as the connection's name. */
  connectionName: string;
  reconnectDelayMs: number;
  reconnectMaxDelayMs: number;
  logger: Logger;
  /** Called whenever a new connection opens (its exchanges must be checked again). */
  onConnected?: (() => void) | undefined;
}

/** Idle confirm channels kept for the next batches; more are opened while batches overlap. */
const MAX_IDLE_CHANNELS = 4;
const WARN_EVERY_MS = 30_000;

const noop = (): void => undefined;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One AMQP connection that comes back by itself. amqplib does not reconnect a plain connection:
 * when it closes for any reason but `close()`, the link schedules attempts with exponential
 * backoff and jitter, one at a time, until one succeeds. While it is down, `connection('publish')`
 * fails at once with `BackendUnavailableError` (the worker pauses and keeps the events' attempts),
 * and `connection('probe')` makes an attempt right away, so a health probe sees the broker as soon
 * as it is back.
 */
export class AmqpLink {
  readonly #amqp: AmqplibModule;
  readonly #options: LinkOptions;
  #model: ChannelModel | undefined;
  #attempt: Promise<ChannelModel> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nextAttemptAt = 0;
  #failures = 0;
  #lastError: Error | undefined;
  #blocked: string | undefined;
  #closed = false;
  #idle: ConfirmChannel[] = [];
  #lastWarnAt = 0;
  #connectedBefore = false;
  readonly #blockedListeners = new Set<(reason: string) => void>();

  constructor(amqp: AmqplibModule, options: LinkOptions) {
    this.#amqp = amqp;
    this.#options = options;
  }

  /** Why publishing is held back by the broker right now (`connection.blocked`), if it is. */
  get blocked(): string | undefined {
    return this.#blocked;
  }

  /** Be told when the broker blocks publishing (to stop waiting for confirms that cannot come). */
  onBlocked(listener: (reason: string) => void): () => void {
    this.#blockedListeners.add(listener);
    return () => this.#blockedListeners.delete(listener);
  }

  /** The open connection's server product and version, for health details. */
  get server(): string | undefined {
    const properties = this.#model?.connection.serverProperties;
    if (!properties) return undefined;
    return [properties.product, properties.version].filter((part) => typeof part === 'string').join(' ');
  }

  /**
   * The open connection. While down: `publish` fails at once (unless an attempt is already under
   * way, which it waits for); `probe` starts an attempt now.
   */
  async connection(mode: 'publish' | 'probe'): Promise<ChannelModel> {
    if (this.#closed)
      throw new BackendUnavailableError(`RabbitMQ connection to ${this.#options.target} is closed`);
    if (this.#model) return this.#model;
    if (this.#attempt !== undefined) return this.#attempt;
    if (mode === 'probe') return this.#connectNow();
    throw this.#downError();
  }

  /** A confirm channel for one batch: an idle one, or a new one. */
  async acquire(): Promise<ConfirmChannel> {
    const model = await this.connection('publish');
    const idle = this.#idle.pop();
    if (idle) return idle;
    const channel = await model.createConfirmChannel();
    // A channel error is reported to the batch using it; without a listener it would crash the process.
    channel.on('error', noop);
    channel.once('close', () => {
      this.#idle = this.#idle.filter((kept) => kept !== channel);
    });
    return channel;
  }

  /** Hand a channel back after its batch; one that failed or timed out is closed instead. */
  release(channel: ConfirmChannel, reusable: boolean): void {
    const current = this.#model !== undefined && channel.connection === this.#model.connection;
    if (reusable && current && !this.#closed && this.#idle.length < MAX_IDLE_CHANNELS) {
      this.#idle.push(channel);
      return;
    }
    channel.close().catch(noop);
  }

  /** Run `work` on a short-lived plain channel (exchange checks), closed afterwards. */
  async withChannel<T>(mode: 'publish' | 'probe', work: (channel: Channel) => Promise<T>): Promise<T> {
    const model = await this.connection(mode);
    const channel = await model.createChannel();
    channel.on('error', noop);
    try {
      return await work(channel);
    } finally {
      // A failed check has already closed the channel on the broker's side.
      channel.close().catch(noop);
    }
  }

  /** The first attempt, made when the backend is first used; a failure leaves reconnecting to the link. */
  async start(): Promise<void> {
    await this.#connectNow().catch(noop);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#attempt?.catch(noop);
    const model = this.#model;
    this.#model = undefined;
    this.#idle = [];
    if (!model) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#options.settings.connectTimeoutMs);
    });
    const result = await Promise.race([model.close().then(() => 'closed' as const, noop), gaveUp]);
    clearTimeout(timer);
    // A broker that no longer answers never sends close-ok: drop the socket instead of waiting.
    if (result === 'timeout') (model.connection as { stream?: { destroy(): void } }).stream?.destroy();
  }

  /** amqplib's handshake errors say little; say what they mean. */
  #explain(error: Error): string {
    const { settings } = this.#options;
    const text = redactText(error.message);
    if (/expected connectionopenok/i.test(text)) {
      return `the broker refused vhost "${settings.vhost}": it does not exist, or user "${settings.username}" has no permission on it (${text})`;
    }
    if (/handshake terminated by server: 403/i.test(text)) {
      return `the broker refused the login of user "${settings.username}": wrong user name or password, or the user may not log in from here (${text})`;
    }
    return text;
  }

  #downError(): BackendUnavailableError {
    const reason = this.#lastError ? this.#explain(this.#lastError) : 'not connected yet';
    const wait = Math.max(0, this.#nextAttemptAt - Date.now());
    const next = this.#timer ? `; next attempt in ${wait} ms` : '';
    return new BackendUnavailableError(
      `RabbitMQ at ${this.#options.target} is unreachable (${reason}); reconnecting in the background${next}`,
      this.#lastError ? { cause: this.#lastError } : {},
    );
  }

  #connectNow(): Promise<ChannelModel> {
    if (this.#attempt !== undefined) return this.#attempt;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const attempt = this.#open().then(
      (model) => {
        this.#attempt = undefined;
        return model;
      },
      (error: unknown) => {
        this.#attempt = undefined;
        this.#failures += 1;
        this.#lastError = asError(error);
        this.#report('RabbitMQ connection attempt failed; retrying', this.#lastError);
        this.#schedule();
        throw this.#downError();
      },
    );
    this.#attempt = attempt;
    return attempt;
  }

  async #open(): Promise<ChannelModel> {
    const { settings, connectionName } = this.#options;
    const socketOptions: Record<string, unknown> = {
      timeout: settings.connectTimeoutMs,
      noDelay: true,
      clientProperties: { connection_name: connectionName },
    };
    if (settings.tls) Object.assign(socketOptions, settings.tls);
    const pending = this.#amqp.connect(
      {
        protocol: settings.protocol,
        hostname: settings.host,
        port: settings.port,
        username: settings.username,
        password: settings.password,
        vhost: settings.vhost,
        heartbeat: settings.heartbeat,
      },
      socketOptions,
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within connect_timeout (${settings.connectTimeoutMs / 1000} s)`)),
        settings.connectTimeoutMs,
      );
    });
    let model: ChannelModel;
    try {
      model = await Promise.race([pending, deadline]);
    } catch (error) {
      // A connection that opens after the deadline is nobody's: close it.
      pending.then((late) => late.close()).catch(noop);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed) {
      await model.close().catch(noop);
      throw new Error('the backend was closed while connecting');
    }
    this.#adopt(model);
    return model;
  }

  #adopt(model: ChannelModel): void {
    model.on('error', (error: Error) => {
      this.#lastError = error;
    });
    model.on('close', (error?: Error) => this.#lost(model, error));
    model.on('blocked', (reason: string) => {
      this.#blocked = reason || 'no reason given';
      this.#options.logger.warn(
        { target: this.#options.target, reason: this.#blocked },
        'RabbitMQ blocked publishing on this connection (a memory or disk alarm); events wait until it lifts',
      );
      for (const listener of this.#blockedListeners) listener(this.#blocked);
    });
    model.on('unblocked', () => {
      this.#blocked = undefined;
      this.#options.logger.info({ target: this.#options.target }, 'RabbitMQ unblocked publishing');
    });
    this.#model = model;
    this.#blocked = undefined;
    this.#idle = [];
    const fields = { target: this.#options.target, attempts: this.#failures + 1 };
    if (this.#connectedBefore) this.#options.logger.info(fields, 'RabbitMQ connection restored');
    else this.#options.logger.debug(fields, 'RabbitMQ connected');
    this.#connectedBefore = true;
    this.#failures = 0;
    this.#lastError = undefined;
    this.#options.onConnected?.();
  }

  #lost(model: ChannelModel, error: Error | undefined): void {
    if (model !== this.#model) return;
    this.#model = undefined;
    this.#idle = [];
    this.#blocked = undefined;
    if (this.#closed) return;
    this.#lastError = error ?? this.#lastError ?? new Error('the broker closed the connection');
    this.#lastWarnAt = 0;
    this.#report('RabbitMQ connection lost; reconnecting', this.#lastError);
    this.#schedule();
  }

  /** One warning per period is enough to see an outage; the rest go to debug. */
  #report(message: string, error: Error): void {
    const fields = {
      target: this.#options.target,
      error: redactText(error.message),
      failures: this.#failures,
    };
    const now = Date.now();
    if (now - this.#lastWarnAt >= WARN_EVERY_MS) {
      this.#lastWarnAt = now;
      this.#options.logger.warn(fields, message);
    } else {
      this.#options.logger.debug(fields, message);
    }
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#attempt !== undefined) return;
    const { reconnectDelayMs, reconnectMaxDelayMs } = this.#options;
    const base = Math.min(reconnectMaxDelayMs, reconnectDelayMs * 2 ** Math.max(0, this.#failures - 1));
    // ±20% jitter, so many workers do not reconnect in lockstep after a broker restart.
    const delay = Math.round(Math.min(reconnectMaxDelayMs, base * (0.8 + Math.random() * 0.4)));
    this.#nextAttemptAt = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connectNow().catch(noop);
    }, delay);
    // A reconnect loop alone must not keep the process alive.
    this.#timer.unref();
  }
}
