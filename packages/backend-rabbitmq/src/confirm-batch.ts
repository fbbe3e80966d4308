import type { ConfirmChannel, Message } from 'amqplib';
import type { AmqpMessage } from './amqp-message.js';

/** A message ready to go: where to, and what. */
export interface Outgoing {
  messageId: string;
  exchange: string;
  routingKey: string;
  message: AmqpMessage;
}

/** What became of one message of a batch. */
export type Settlement =
  /** The broker confirmed it (basic.ack) and did not return it. */
  | { state: 'acked' }
  /** Unroutable with `mandatory`: the broker returned it (basic.return) before the ack. */
  | { state: 'returned'; replyCode: number; replyText: string }
  /** The broker refused it (basic.nack). */
  | { state: 'nacked' }
  /** The channel closed before a confirm came: the broker may or may not have it. */
  | { state: 'lost' }
  /** amqplib refused to send it (encoding, or the channel was already closed): the broker never saw it. */
  | { state: 'unsent'; error: Error }
  /** No confirm within publish_timeout. */
  | { state: 'timeout' }
  /** The broker blocked the connection (a resource alarm) before it confirmed. */
  | { state: 'blocked'; reason: string };

export interface BatchResult {
  settlements: Settlement[];
  /** The error the broker closed the channel with, if it did. */
  channelError: Error | undefined;
  /** Whether the channel is fit for the next batch. */
  reusable: boolean;
}

/**
 * Publish a whole batch on one confirm channel, in order, then wait for every confirm. Messages
 * on one channel reach each queue in the order published, which is what per-key order rests on.
 * A `basic.return` for a message always comes before its `basic.ack`, so a message returned by
 * then was unroutable.
 */
export async function publishConfirmed(
  channel: ConfirmChannel,
  batch: readonly Outgoing[],
  options: {
    mandatory: boolean;
    timeoutMs: number;
    /** Subscribe to the connection being blocked; returns the unsubscribe function. */
    onBlocked?: ((listener: (reason: string) => void) => () => void) | undefined;
  },
): Promise<BatchResult> {
  const settlements: (Settlement | undefined)[] = new Array(batch.length);
  const returned = new Map<string, { replyCode: number; replyText: string }>();
  let channelError: Error | undefined;
  let closed = false;
  let open = batch.length;
  let finish: () => void = () => undefined;
  const allSettled = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let wake: (() => void) | undefined;

  const settle = (index: number, settlement: Settlement): void => {
    if (settlements[index] !== undefined) return;
    settlements[index] = settlement;
    open -= 1;
    if (open === 0) finish();
  };
  const onReturn = (message: Message): void => {
    const id = message.properties.messageId;
    // amqplib's types leave basic.return's own fields out.
    const fields = message.fields as unknown as { replyCode?: unknown; replyText?: unknown };
    if (typeof id === 'string') {
      returned.set(id, { replyCode: Number(fields.replyCode), replyText: String(fields.replyText) });
    }
  };
  const onError = (error: Error): void => {
    channelError = error;
  };
  const onClose = (): void => {
    closed = true;
    wake?.();
  };
  const onDrain = (): void => wake?.();
  channel.on('return', onReturn);
  channel.on('error', onError);
  channel.on('close', onClose);
  channel.on('drain', onDrain);

  let timedOut = false;
  let blocked: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopWaiting: () => void = () => undefined;
  const deadline = new Promise<void>((resolve) => {
    stopWaiting = () => {
      wake?.();
      resolve();
    };
    timer = setTimeout(() => {
      timedOut = true;
      stopWaiting();
    }, options.timeoutMs);
  });
  // A blocked connection confirms nothing until the alarm clears: no use waiting for the deadline.
  const unsubscribe = options.onBlocked?.((reason) => {
    blocked = reason;
    stopWaiting();
  });

  try {
    for (let index = 0; index < batch.length; index++) {
      const item = batch[index] as Outgoing;
      if (timedOut || blocked !== undefined) break;
      let writable = true;
      try {
        writable = channel.publish(
          item.exchange,
          item.routingKey,
          item.message.body,
          { ...item.message.properties, mandatory: options.mandatory },
          (error: unknown) => {
            if (!error) {
              const bounce = returned.get(item.messageId);
              settle(index, bounce ? { state: 'returned', ...bounce } : { state: 'acked' });
            } else {
              const nacked = error instanceof Error && error.message === 'message nacked';
              settle(index, nacked ? { state: 'nacked' } : { state: 'lost' });
            }
          },
        );
      } catch (error) {
        settle(index, { state: 'unsent', error: error instanceof Error ? error : new Error(String(error)) });
        continue;
      }
      // The socket's buffer is full: wait for it to drain (or the channel to close) before writing more.
      if (!writable && !closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
    if (open > 0) await Promise.race([allSettled, deadline]);
  } finally {
    clearTimeout(timer);
    unsubscribe?.();
    channel.off('return', onReturn);
    channel.off('error', onError);
    channel.off('close', onClose);
    channel.off('drain', onDrain);
  }
  // Array.from, not map: map would skip the holes of messages that never settled.
  const unsettled: Settlement =
    blocked !== undefined ? { state: 'blocked', reason: blocked } : { state: 'timeout' };
  const result = Array.from(settlements, (settlement): Settlement => settlement ?? unsettled);
  const reusable = !closed && !timedOut && blocked === undefined && channelError === undefined;
  return { settlements: result, channelError, reusable };
}
