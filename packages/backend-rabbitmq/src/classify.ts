import { CONNECTION_FAILURE_CODES, dispatchFailureKind, type FailureKind } from '@dispatch/core';

/** AMQP reply codes (AMQP 0-9-1, section 1.9) that decide a failure kind. */
export const REPLY_CODES = {
  CONTENT_TOO_LARGE: 311,
  NO_ROUTE: 312,
  CONNECTION_FORCED: 320,
  ACCESS_REFUSED: 403,
  NOT_FOUND: 404,
  PRECONDITION_FAILED: 406,
} as const;

/** Refused for good, whatever the moment: the exchange, the permission, the size or the route. */
const REJECTED_CODES = new Set<number>([
  REPLY_CODES.CONTENT_TOO_LARGE,
  REPLY_CODES.NO_ROUTE,
  REPLY_CODES.ACCESS_REFUSED,
  REPLY_CODES.NOT_FOUND,
  REPLY_CODES.PRECONDITION_FAILED,
]);

/** Socket-level errors (Node codes) that mean the broker is unreachable. */
const UNAVAILABLE_CODES = new Set([
  ...CONNECTION_FAILURE_CODES,
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SOCKET_CLOSED',
]);

/**
 * amqplib's messages for a connection that is gone or never opened: a closed socket, a heartbeat
 * timeout, a channel that closed with its connection, a refused login or vhost (nothing can be
 * published until the configuration or the broker changes, so the worker pauses instead of failing
 * events one by one).
 */
const UNAVAILABLE_MESSAGES = [
  /heartbeat timeout/i,
  /unexpected close/i,
  /socket closed abruptly/i,
  /^connection clos(ed|ing)/i,
  /^channel clos(ed|ing)$/i,
  /channel ended, no reply will be forthcoming/i,
  /handshake terminated by server/i,
  /expected connectionopenok/i,
  /connect etimedout/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE/,
];

/** amqplib refusing to encode a message: it can never be sent as it is. */
const UNENCODABLE_MESSAGES = [
  /must be a string \(up to 255 chars\)/i,
  /exceeds the \d+ byte encoding buffer/i,
  /leaves no room for a body frame/i,
];

/** The AMQP reply code an error carries: amqplib's `code`, or the `NNN (NAME)` in its message. */
export function replyCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'number') return code;
  const match = typeof message === 'string' ? /\b(\d{3}) \([A-Z-]+\)/.exec(message) : null;
  return match ? Number(match[1]) : undefined;
}

/** The failure kind of anything amqplib or the broker threw or closed a channel with. */
export function classifyError(error: unknown): FailureKind {
  const known = dispatchFailureKind(error);
  if (known) return known;
  if (typeof error !== 'object' || error === null) return 'retryable';
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  // The broker refusing the login or the vhost is about the connection, not this event.
  if (/handshake terminated by server|expected connectionopenok/i.test(text)) return 'unavailable';
  const reply = replyCodeOf(error);
  if (reply === REPLY_CODES.CONNECTION_FORCED) return 'unavailable';
  if (reply !== undefined && REJECTED_CODES.has(reply)) return 'rejected';
  if (name === 'IllegalOperationError') return 'unavailable';
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(text))) return 'unavailable';
  if (UNENCODABLE_MESSAGES.some((pattern) => pattern.test(text))) return 'rejected';
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== error) return classifyError(cause);
  return 'retryable';
}

/** What an event needs for the broker's channel error to be pinned on it. */
export interface Suspect {
  exchange: string;
  bodyBytes: number;
}

/**
 * Whether a channel error the broker sent is about this event: its exchange is missing (404) or
 * off limits (403), or its body is over the broker's `max_message_size` (406). The other events on
 * the channel only lost their channel with it.
 */
export function isBlamedOn(error: Error, suspect: Suspect): boolean {
  const reply = replyCodeOf(error);
  const text = error.message;
  if (reply === REPLY_CODES.NOT_FOUND || reply === REPLY_CODES.ACCESS_REFUSED) {
    const exchange = /exchange '((?:[^']|'(?! in vhost))*)' in vhost/.exec(text)?.[1];
    return exchange !== undefined && exchange === suspect.exchange;
  }
  if (reply === REPLY_CODES.PRECONDITION_FAILED) {
    const size = /message size (\d+) is larger than/.exec(text)?.[1];
    return size !== undefined && Number(size) === suspect.bodyBytes;
  }
  return false;
}
