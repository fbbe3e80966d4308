import type { FailureKind } from './backend.js';
import {
  BackendUnavailableError,
  type DispatchErrorCode,
  EventRejectedError,
  isDispatchError,
  PublishFailedError,
} from './errors.js';

/** The failure kind each Dispatch error code stands for, the one table of it. */
const KIND_OF_CODE: Partial<Record<DispatchErrorCode, FailureKind>> = {
  DISPATCH_BACKEND_UNAVAILABLE: 'unavailable',
  DISPATCH_TIMEOUT: 'unavailable',
  DISPATCH_EVENT_REJECTED: 'rejected',
  DISPATCH_PUBLISH_FAILED: 'retryable',
};

/**
 * The failure kind a Dispatch error stands for (from any copy of core), or undefined for an error
 * Dispatch did not raise, which the backend's own `classify` decides.
 */
export function dispatchFailureKind(error: unknown): FailureKind | undefined {
  return isDispatchError(error) ? KIND_OF_CODE[error.code] : undefined;
}

/** The Dispatch error for a failure kind: what an outcome of that kind carries. */
export function errorForFailure(kind: FailureKind, message: string, cause?: unknown): Error {
  const options = cause === undefined ? {} : { cause };
  if (kind === 'unavailable') return new BackendUnavailableError(message, options);
  if (kind === 'rejected') return new EventRejectedError(message, options);
  return new PublishFailedError(message, options);
}
