import { CONNECTION_FAILURE_CODES, dispatchFailureKind, type FailureKind } from '@dispatch/core';

/** JetStream API error codes (`err_code`) this backend tells apart. */
export const JS_ERR = {
  /** The message is larger than the stream's `max_msg_size`. */
  messageTooBig: 10054,
  /** The subject is bound to another stream than the one the backend expects. */
  wrongStream: 10060,
  /** No such stream. */
  streamNotFound: 10059,
  /** JetStream is not enabled for the account. */
  notEnabledForAccount: 10039,
  /** A clustered stream has no leader or quorum right now. */
  clusterNotAvailable: 10008,
} as const;

/** Errors of a connection that is down, closing or cannot be made: nothing can be published. */
const UNAVAILABLE_NAMES = new Set([
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'TimeoutError',
  'AuthorizationError',
  'UserAuthenticationExpiredError',
  'ProtocolError',
]);

/** Errors that say this message can never be published as it is. */
const REJECTED_NAMES = new Set(['PermissionViolationError', 'InvalidSubjectError']);

/** Socket-level errors (Node codes) that mean the server is unreachable. */
const UNAVAILABLE_CODES = new Set(CONNECTION_FAILURE_CODES);

/** A stream out of room under `discard: new`, or a server out of storage: no write goes through. */
const FULL =
  /maximum (messages|bytes)( per subject)? exceeded|insufficient (storage )?resources|resource limits exceeded|storage .*full/i;

function nameOf(error: object): string {
  const name = (error as { name?: unknown }).name;
  if (typeof name === 'string' && name !== 'Error') return name;
  const className = (error as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof className === 'string' ? className : '';
}

/** The JetStream API error code of an error, if it carries one. */
export function apiErrorCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const apiError = (error as { apiError?: unknown }).apiError;
  if (typeof apiError === 'function') {
    const code = (apiError.call(error) as { err_code?: unknown } | undefined)?.err_code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Whether the error is NATS's "no responders": nothing listens on the subject (no stream takes it). */
export function isNoResponders(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  if (nameOf(error) === 'NoResponders' || nameOf(error) === 'NoRespondersError') return true;
  return isNoResponders((error as { cause?: unknown }).cause, depth + 1);
}

/** The failure kind of anything the client threw (for one message, the whole batch or a health check). */
export function classifyError(error: unknown, depth = 0): FailureKind {
  const known = dispatchFailureKind(error);
  if (known) return known;
  if (typeof error !== 'object' || error === null || depth > 4) return 'retryable';
  const name = nameOf(error);
  const message = String((error as { message?: unknown }).message ?? '');
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  if (UNAVAILABLE_NAMES.has(name)) return 'unavailable';
  if (REJECTED_NAMES.has(name)) return 'rejected';
  // No stream takes the subject. Whether it ever will is for the caller to say (it knows the
  // stream's subjects); on its own this is a stream that is missing for now.
  if (isNoResponders(error)) return 'retryable';
  if (name === 'InvalidArgumentError') {
    return /max_payload|header/i.test(message) ? 'rejected' : 'retryable';
  }
  const apiCode = apiErrorCode(error);
  if (apiCode !== undefined) {
    if (apiCode === JS_ERR.messageTooBig || apiCode === JS_ERR.wrongStream) return 'rejected';
    if (apiCode === JS_ERR.clusterNotAvailable || apiCode === JS_ERR.notEnabledForAccount)
      return 'unavailable';
    if (FULL.test(message)) return 'unavailable';
    return 'retryable';
  }
  if (name === 'JetStreamNotEnabled') return 'unavailable';
  if (name === 'RequestError' && /disconnect/i.test(message)) return 'unavailable';
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && cause !== error) {
    const kind = classifyError(cause, depth + 1);
    if (kind !== 'retryable') return kind;
  }
  return 'retryable';
}
