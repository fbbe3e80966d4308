import { type FailureKind, failed, type PublishOutcome } from './backend.js';
import { errorForFailure } from './failure-kinds.js';

/**
 * The failed outcome of one event, carrying the Dispatch error of its kind: what a driver returns
 * for an event it could not publish, without picking the error class itself.
 */
export function failedWith(
  eventId: string,
  kind: FailureKind,
  message: string,
  cause?: unknown,
): PublishOutcome {
  return failed(eventId, kind, errorForFailure(kind, message, cause));
}
