import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  ConfigError,
  EventRejectedError,
  hasErrorCode,
  isDispatchError,
  PublishFailedError,
  TimeoutError,
} from './errors.js';
import { dispatchFailureKind, errorForFailure } from './failure-kinds.js';

/** What an error from a second copy of core looks like here: same brand and code, another class. */
function fromAnotherCopy(code: string, message: string): Error {
  class DispatchError extends Error {
    readonly code = code;
  }
  return Object.assign(new DispatchError(message), { [Symbol.for('dispatch.error')]: true });
}

describe('Dispatch errors across copies of core', () => {
  it('are recognised by brand and code, not by class', () => {
    const foreign = fromAnotherCopy('DISPATCH_EVENT_REJECTED', 'too big');
    expect(foreign).not.toBeInstanceOf(EventRejectedError);
    expect(isDispatchError(foreign)).toBe(true);
    expect(hasErrorCode(foreign, 'DISPATCH_EVENT_REJECTED')).toBe(true);
    expect(dispatchFailureKind(foreign)).toBe('rejected');
    expect(isDispatchError(Object.assign(new Error('x'), { code: 'DISPATCH_TIMEOUT' }))).toBe(false);
  });
});

describe('dispatchFailureKind', () => {
  it('maps each Dispatch error to its failure kind and leaves other errors to the backend', () => {
    expect(dispatchFailureKind(new BackendUnavailableError('down'))).toBe('unavailable');
    expect(dispatchFailureKind(new TimeoutError('publish', 10))).toBe('unavailable');
    expect(dispatchFailureKind(new EventRejectedError('no'))).toBe('rejected');
    expect(dispatchFailureKind(new PublishFailedError('later'))).toBe('retryable');
    expect(dispatchFailureKind(new ConfigError([]))).toBeUndefined();
    expect(dispatchFailureKind(new Error('ECONNRESET'))).toBeUndefined();
  });

  it('errorForFailure builds the error each kind carries', () => {
    const cause = new Error('raw');
    const unavailable = errorForFailure('unavailable', 'main: down', cause);
    expect(unavailable).toBeInstanceOf(BackendUnavailableError);
    expect(unavailable.cause).toBe(cause);
    expect(errorForFailure('rejected', 'x')).toBeInstanceOf(EventRejectedError);
    expect(errorForFailure('retryable', 'x')).toBeInstanceOf(PublishFailedError);
  });
});
