import {
  BackendUnavailableError,
  EventRejectedError,
  hasErrorCode,
  PublishFailedError,
  redactText,
} from '@dispatch/core';
import type { AmqpLink } from './amqp-link.js';
import { classifyError, REPLY_CODES, replyCodeOf } from './classify.js';

export type ExchangeMode = 'declare' | 'expect';

/**
 * Makes sure each exchange exists before the first message to it, once per connection: declared
 * (durable) in `declare` mode, checked in `expect` mode. RabbitMQ answers a publish to a missing
 * exchange by closing the channel, which would take the batch's other events down with it; a
 * check first keeps the failure to the events that name it. Failures are not remembered, so an
 * exchange created later is found on the next batch.
 */
export class ExchangeRegistry {
  readonly #link: AmqpLink;
  readonly #mode: ExchangeMode;
  readonly #type: string;
  readonly #vhost: string;
  readonly #username: string;
  #ready = new Map<string, Promise<void>>();

  constructor(
    link: AmqpLink,
    options: { mode: ExchangeMode; type: string; vhost: string; username: string },
  ) {
    this.#link = link;
    this.#mode = options.mode;
    this.#type = options.type;
    this.#vhost = options.vhost;
    this.#username = options.username;
  }

  /** Forget every exchange (a new connection may be to a broker that lost them). */
  reset(): void {
    this.#ready = new Map();
  }

  /** Forget one exchange, after the broker said it is gone. */
  forget(exchange: string): void {
    this.#ready.delete(exchange);
  }

  /** Resolves once the exchange can take messages; rejects with the kind of error to report. */
  ensure(exchange: string): Promise<void> {
    // The default exchange always exists and cannot be declared.
    if (exchange === '') return Promise.resolve();
    const known = this.#ready.get(exchange);
    if (known !== undefined) return known;
    const check = this.#check(exchange);
    this.#ready.set(exchange, check);
    check.catch(() => {
      if (this.#ready.get(exchange) === check) this.#ready.delete(exchange);
    });
    return check;
  }

  async #check(exchange: string): Promise<void> {
    // `amq.*` exchanges are the broker's own: they may be used and checked, never declared.
    const declare = this.#mode === 'declare' && !exchange.startsWith('amq.');
    try {
      await this.#link.withChannel('publish', async (channel) => {
        if (declare) await channel.assertExchange(exchange, this.#type, { durable: true, autoDelete: false });
        else await channel.checkExchange(exchange);
      });
    } catch (error) {
      throw this.#explain(exchange, declare, error);
    }
  }

  #explain(exchange: string, declared: boolean, error: unknown): Error {
    // Not connected at all: nothing to do with this exchange (its text may quote a login's 403).
    if (hasErrorCode(error, 'DISPATCH_BACKEND_UNAVAILABLE')) return error;
    const cause = error instanceof Error ? error : new Error(String(error));
    const reply = replyCodeOf(cause);
    const detail = redactText(cause.message);
    const where = `exchange "${exchange}" in vhost "${this.#vhost}"`;
    if (reply === REPLY_CODES.NOT_FOUND) {
      return new EventRejectedError(
        `${where} does not exist (exchange_mode "expect"): declare it, or set exchange_mode to "declare" (${detail})`,
        { cause },
      );
    }
    if (reply === REPLY_CODES.PRECONDITION_FAILED) {
      return new EventRejectedError(
        `${where} exists with other settings than the backend declares (type "${this.#type}", durable): set exchange_type to match it, or exchange_mode to "expect" (${detail})`,
        { cause },
      );
    }
    if (reply === REPLY_CODES.ACCESS_REFUSED) {
      const action = declared ? 'declare' : 'use';
      return new EventRejectedError(
        `user "${this.#username}" may not ${action} ${where}: grant it the permission, or pick another exchange (${detail})`,
        { cause },
      );
    }
    const kind = classifyError(cause);
    const message = `could not check ${where}: ${detail}`;
    if (kind === 'unavailable') return new BackendUnavailableError(message, { cause });
    if (kind === 'rejected') return new EventRejectedError(message, { cause });
    return new PublishFailedError(message, { cause });
  }
}
