import { CONNECTION_FAILURE_CODES, dispatchFailureKind, type FailureKind } from '@dispatch/core';

/**
 * Error replies that mean the server cannot take writes right now, whatever the event: the worker
 * pauses instead of spending attempts. OOM is here too: with `noeviction` Redis refuses every write
 * until consumers catch up or memory is raised, and spending attempts through that would fail
 * events for an outage that is not theirs.
 */
const UNAVAILABLE_REPLIES = [
  'LOADING',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'READONLY',
  'BUSY',
  'NOREPLICAS',
  'MISCONF',
  'OOM',
  'MOVED',
  'ASK',
];

/** Error replies for an event the server refuses for good (an ACL rule on its stream, its size). */
const REJECTED_REPLIES = ['NOPERM'];
const REJECTED_TEXT = [/too large/i, /exceeds maximum/i, /invalid bulk length/i, /max.*bulk/i];

/** Socket-level errors (Node codes) and client messages that mean Redis is unreachable. */
const UNAVAILABLE_CODES = new Set([...CONNECTION_FAILURE_CODES, 'ERR_SSL_WRONG_VERSION_NUMBER']);
const UNAVAILABLE_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'SocketTimeoutError',
  'ReconnectStrategyError',
  'RootNodesUnavailableError',
  'DisconnectsClientError',
  'TimeoutError',
  'AbortError',
]);
const UNAVAILABLE_MESSAGES = [
  /connection is closed/i,
  /isn't writeable/i,
  /isn't ready/i,
  /command timed out/i,
  /timeout/i,
  /none of startup nodes is available/i,
  /failed to refresh slots cache/i,
  /the client is closed/i,
  /socket closed unexpectedly/i,
  /connection lost/i,
  /all sentinels are unreachable/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND/,
];

/** First word of a Redis error reply (`WRONGTYPE`, `OOM`, `ERR`, ...). */
export function replyCode(message: string): string {
  const match = /^[A-Z]+/.exec(message);
  return match ? match[0] : '';
}

/** The failure kind of an error reply to one command: only that event is affected. */
export function classifyReply(message: string): FailureKind {
  const code = replyCode(message);
  if (UNAVAILABLE_REPLIES.includes(code)) return 'unavailable';
  if (REJECTED_REPLIES.includes(code) || REJECTED_TEXT.some((pattern) => pattern.test(message)))
    return 'rejected';
  return 'retryable';
}

/** The failure kind of anything a client threw (for the whole batch or a health check). */
export function classifyError(error: unknown): FailureKind {
  const known = dispatchFailureKind(error);
  if (known) return known;
  if (typeof error !== 'object' || error === null) return 'retryable';
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  // node-redis leaves `name` as "Error"; its class name is what tells the errors apart.
  const className = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (typeof className === 'string' && UNAVAILABLE_NAMES.has(className)) return 'unavailable';
  const text = typeof message === 'string' ? message : '';
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(text))) return 'unavailable';
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== error && classifyError(cause) === 'unavailable') return 'unavailable';
  // Replies that made it up as thrown errors (single commands, scripts).
  if ([name, className].some((n) => n === 'ReplyError' || n === 'ErrorReply' || n === 'SimpleError')) {
    return classifyReply(text);
  }
  return 'retryable';
}
