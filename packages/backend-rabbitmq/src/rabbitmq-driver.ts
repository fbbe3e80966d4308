import {
  type BackendContext,
  type BackendDriver,
  type BackendHealth,
  BackendUnavailableError,
  errorForFailure,
  failed,
  failedWith,
  hasErrorCode,
  type OutboxEvent,
  type PublishOutcome,
  published,
  redactText,
} from '@dispatch/core';
import { AmqpLink } from './amqp-link.js';
import { toAmqpMessage } from './amqp-message.js';
import { classifyError, isBlamedOn, REPLY_CODES, replyCodeOf } from './classify.js';
import { type BatchResult, type Outgoing, publishConfirmed, type Settlement } from './confirm-batch.js';
import { connectionSettings, describeTarget } from './connection.js';
import { ExchangeRegistry } from './exchange-registry.js';
import type { AmqplibModule } from './load-amqplib.js';
import { isStaticName, nameResolver } from './name-template.js';
import type { RabbitmqOptions } from './options.js';

/** An event on its way: where it is in the batch, and its message. */
interface Item extends Outgoing {
  index: number;
  event: OutboxEvent;
}

const SHORTSTR_BYTES = 255;

/** The I/O of the RabbitMQ backend; core's wrapper owns lifecycle, the call timeout and thrown errors. */
export function createRabbitmqDriver(
  amqp: AmqplibModule,
  options: RabbitmqOptions,
  context: BackendContext,
): BackendDriver {
  const settings = connectionSettings(options, context.configDir);
  const target = describeTarget(settings);
  const exchangeOf = nameResolver('exchange', options.exchange);
  const routingKeyOf = nameResolver('routing_key', options.routing_key);
  const staticExchange = isStaticName(options.exchange) ? options.exchange : undefined;
  const timeoutMs = Math.round(options.publish_timeout * 1000);
  const link = new AmqpLink(amqp, {
    settings,
    target,
    connectionName: `dispatch-outbox (${context.name})`,
    reconnectDelayMs: Math.round(options.reconnect_delay * 1000),
    reconnectMaxDelayMs: Math.round(options.reconnect_max_delay * 1000),
    logger: context.logger,
    // A new connection may be to a broker that lost its exchanges: check them again. And a worker
    // that paused this backend checks it now rather than at its next probe.
    onConnected: () => {
      registry.reset();
      context.reconnected();
    },
  });
  const registry = new ExchangeRegistry(link, {
    mode: options.exchange_mode,
    type: options.exchange_type,
    vhost: settings.vhost,
    username: settings.username,
  });

  const where = (item: Pick<Item, 'exchange' | 'routingKey'>) =>
    `exchange "${item.exchange}" (routing key "${item.routingKey}")`;

  /** Names and messages for each event; those that can never go out get their outcome here. */
  const prepare = (events: readonly OutboxEvent[], outcomes: PublishOutcome[]): Item[] => {
    const items: Item[] = [];
    events.forEach((event, index) => {
      let exchange: string;
      let routingKey: string;
      try {
        exchange = exchangeOf(event);
        routingKey = routingKeyOf(event);
      } catch (error) {
        const message = `could not name the exchange or routing key for event ${event.id}: ${(error as Error).message}`;
        outcomes[index] = failedWith(event.id, 'retryable', message, error);
        return;
      }
      for (const [what, value] of [
        ['exchange', exchange],
        ['routing key', routingKey],
      ] as const) {
        const bytes = Buffer.byteLength(value, 'utf8');
        if (bytes > SHORTSTR_BYTES) {
          const message = `the ${what} for event ${event.id} is ${bytes} bytes; AMQP allows ${SHORTSTR_BYTES}`;
          outcomes[index] = failedWith(event.id, 'rejected', message);
          return;
        }
      }
      const message = toAmqpMessage(
        event,
        options.cloud_event_mode,
        options.persistent,
        options.timestamp_format,
      );
      if (message.body.length > options.max_message_bytes) {
        const text = `event ${event.id} is ${message.body.length} bytes as a message body; max_message_bytes is ${options.max_message_bytes}`;
        outcomes[index] = failedWith(event.id, 'rejected', text);
        return;
      }
      items.push({ index, event, messageId: event.id, exchange, routingKey, message });
    });
    return items;
  };

  const failAll = (items: readonly Item[], outcomes: PublishOutcome[], error: Error): void => {
    const kind = classifyError(error);
    const own =
      hasErrorCode(error, 'DISPATCH_BACKEND_UNAVAILABLE') ||
      hasErrorCode(error, 'DISPATCH_EVENT_REJECTED') ||
      hasErrorCode(error, 'DISPATCH_PUBLISH_FAILED');
    const wrapped = own ? error : errorForFailure(kind, redactText(error.message), error);
    for (const item of items) outcomes[item.index] = failed(item.event.id, kind, wrapped);
  };

  /** The problem of each exchange that is missing or refused (the others are ready). */
  const checkExchanges = async (items: readonly Item[]): Promise<Map<string, Error>> => {
    const names = [...new Set(items.map((item) => item.exchange))];
    const problems = new Map<string, Error>();
    await Promise.all(
      names.map((name) =>
        registry.ensure(name).catch((error: unknown) => {
          problems.set(name, error instanceof Error ? error : new Error(String(error)));
        }),
      ),
    );
    return problems;
  };

  /**
   * `work`, or an unavailable error once `ms` have passed: over a dead but unnoticed connection
   * (no heartbeat missed yet) opening a channel or checking an exchange would wait forever.
   * A result that comes too late is handed to `discard`.
   */
  const within = async <T>(
    work: Promise<T>,
    ms: number,
    what: string,
    discard?: (late: T) => void,
  ): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        late = true;
        reject(
          new BackendUnavailableError(
            `no answer from RabbitMQ at ${target} while ${what} within publish_timeout (${options.publish_timeout} s)`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (late && discard) work.then(discard, () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  const settle = (item: Item, settlement: Settlement, result: BatchResult): PublishOutcome => {
    const id = item.event.id;
    switch (settlement.state) {
      case 'acked':
        return published(id);
      case 'returned':
        return failedWith(
          id,
          'rejected',
          `RabbitMQ returned event ${id} as unroutable: no queue is bound to ${where(item)} (${settlement.replyCode} ${settlement.replyText}); bind a queue, or set mandatory to false to let such events be dropped`,
        );
      case 'nacked':
        return failedWith(
          id,
          'retryable',
          `RabbitMQ nacked event ${id} on ${where(item)}: a queue refused or could not store it (a full queue with x-overflow reject-publish, or a queue failure)`,
        );
      case 'blocked':
        return failedWith(
          id,
          'unavailable',
          `RabbitMQ at ${target} blocked publishing (${settlement.reason}: a memory or disk alarm) before it confirmed event ${id}; it may be delivered once the alarm clears, and will be retried`,
        );
      case 'timeout':
        return failedWith(
          id,
          'unavailable',
          `no publisher confirm for event ${id} within publish_timeout (${options.publish_timeout} s) from ${target}; it may have been delivered and will be retried`,
        );
      default: {
        const channelError = result.channelError;
        if (settlement.state === 'unsent' && classifyError(settlement.error) === 'rejected') {
          return failedWith(
            id,
            'rejected',
            `event ${id} cannot be sent as an AMQP message: ${settlement.error.message}`,
            settlement.error,
          );
        }
        if (!channelError) {
          // The channel went with its connection: the broker is gone or cut off.
          const text =
            settlement.state === 'lost'
              ? `the connection to ${target} was lost before RabbitMQ confirmed event ${id}; it may have been delivered and will be retried`
              : `event ${id} was not sent: the connection to ${target} is closed`;
          return failedWith(id, 'unavailable', text);
        }
        const reason = redactText(channelError.message);
        if (isBlamedOn(channelError, { exchange: item.exchange, bodyBytes: item.message.body.length })) {
          const hint =
            replyCodeOf(channelError) === REPLY_CODES.PRECONDITION_FAILED
              ? ' (the body is over the broker\u2019s max_message_size; lower max_message_bytes to match it)'
              : '';
          return failedWith(
            id,
            'rejected',
            `RabbitMQ refused event ${id} on ${where(item)}: ${reason}${hint}`,
            channelError,
          );
        }
        return failedWith(
          id,
          'retryable',
          `event ${id} lost its channel when RabbitMQ closed it over another message (${reason})`,
          channelError,
        );
      }
    }
  };

  return {
    async connect() {
      await link.start();
    },

    async publish(events) {
      const outcomes: PublishOutcome[] = new Array(events.length);
      let items = prepare(events, outcomes);
      if (items.length === 0) return outcomes;
      if (link.blocked !== undefined) {
        const error = new BackendUnavailableError(
          `RabbitMQ at ${target} has blocked publishing (${link.blocked}): a memory or disk alarm is on`,
        );
        failAll(items, outcomes, error);
        return outcomes;
      }
      // One publish_timeout for the whole batch: checks, channel, confirms.
      const deadline = Date.now() + timeoutMs;
      const remaining = () => Math.max(1, deadline - Date.now());
      try {
        const problems = await within(checkExchanges(items), remaining(), 'checking exchanges');
        if (problems.size > 0) {
          items = items.filter((item) => {
            const problem = problems.get(item.exchange);
            if (problem) outcomes[item.index] = failed(item.event.id, classifyError(problem), problem);
            return !problem;
          });
          if (items.length === 0) return outcomes;
        }
        const channel = await within(link.acquire(), remaining(), 'opening a channel', (late) =>
          link.release(late, false),
        );
        const result = await publishConfirmed(channel, items, {
          mandatory: options.mandatory,
          timeoutMs: remaining(),
          onBlocked: (listener) => link.onBlocked(listener),
        });
        link.release(channel, result.reusable);
        const blamed = result.channelError;
        if (blamed && replyCodeOf(blamed) === REPLY_CODES.NOT_FOUND) {
          // Deleted after it was checked: look again next time.
          for (const item of items) registry.forget(item.exchange);
        }
        items.forEach((item, i) => {
          outcomes[item.index] = settle(item, result.settlements[i] as Settlement, result);
        });
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        failAll(
          items.filter((item) => outcomes[item.index] === undefined),
          outcomes,
          cause,
        );
      }
      return outcomes;
    },

    async health(): Promise<BackendHealth> {
      await link.connection('probe');
      const details: Record<string, unknown> = {
        target,
        server: link.server,
        exchangeMode: options.exchange_mode,
        cloudEventMode: options.cloud_event_mode,
      };
      if (link.blocked !== undefined) {
        return { ok: false, error: `RabbitMQ has blocked publishing (${link.blocked})`, details };
      }
      if (staticExchange === undefined || staticExchange === '') {
        // A channel opens: the connection really works. Templated exchanges are checked per event.
        await within(
          link.withChannel('probe', async () => undefined),
          timeoutMs,
          'opening a channel',
        );
        return { ok: true, details };
      }
      details.exchange = staticExchange;
      const check = link.withChannel('probe', async (channel) => {
        try {
          await channel.checkExchange(staticExchange);
          return true;
        } catch (error) {
          if (replyCodeOf(error) === REPLY_CODES.NOT_FOUND) return false;
          throw error;
        }
      });
      const exists = await within(check, timeoutMs, `checking exchange "${staticExchange}"`);
      details.exchangeExists = exists;
      if (!exists && options.exchange_mode === 'expect') {
        return {
          ok: false,
          error: `exchange "${staticExchange}" does not exist in vhost "${settings.vhost}" (exchange_mode "expect"): declare it, or set exchange_mode to "declare"`,
          details,
        };
      }
      return { ok: true, details };
    },

    async close() {
      await link.close();
    },

    classify: classifyError,
  };
}
