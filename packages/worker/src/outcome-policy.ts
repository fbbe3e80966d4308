import type { OutboxEvent, PublishOutcome } from '@dispatch/core';
import { type BackoffSettings, retryDelay } from './backoff.js';
import type { Final } from './key-runs.js';

/** The retry settings of `OUTBOX_WORKER` in milliseconds, as `retryDelay` takes them. */
export function retryBackoff(worker: {
  RETRY_BACKOFF: boolean;
  RETRY_BASE_DELAY: number;
  RETRY_MAX_DELAY: number;
}): BackoffSettings {
  return {
    backoff: worker.RETRY_BACKOFF,
    baseMs: worker.RETRY_BASE_DELAY * 1000,
    maxMs: worker.RETRY_MAX_DELAY * 1000,
  };
}

/**
 * The outcome to record for one publish result, and whether it says the backend is unreachable
 * (the worker then pauses that backend). Pure: the caller applies the pause.
 *
 * - published: recorded as published;
 * - `rejected`: failed at once, whatever attempts are left;
 * - `unavailable`: released without using the attempt;
 * - otherwise retried after the backoff, or failed once the attempts are used up.
 */
export function decideOutcome(
  event: OutboxEvent,
  outcome: PublishOutcome | undefined,
  backoff: BackoffSettings,
  random: () => number,
): { final: Final; unavailable: boolean } {
  if (outcome?.ok)
    return { final: { event, outcome: { id: event.id, status: 'published' } }, unavailable: false };
  const error = outcome ? outcome.error.message : 'no outcome from the backend';
  const failure = outcome ? outcome.failure : 'retryable';
  if (failure === 'rejected') {
    return {
      final: { event, outcome: { id: event.id, status: 'failed', error }, reason: 'rejected' },
      unavailable: false,
    };
  }
  if (failure === 'unavailable') {
    return {
      final: { event, outcome: { id: event.id, status: 'released', reason: 'backend unavailable' } },
      unavailable: true,
    };
  }
  if (event.attempts > event.maxRetries) {
    return {
      final: { event, outcome: { id: event.id, status: 'failed', error }, reason: 'exhausted' },
      unavailable: false,
    };
  }
  const delayMs = retryDelay(event.attempts, backoff, random);
  return { final: { event, outcome: { id: event.id, status: 'retry', delayMs, error } }, unavailable: false };
}

/**
 * An event whose previous holder crashed or stalled mid-publish on its last attempt: it fails
 * without a new publish (its lease expired, so `attempts` already counts one more than allowed).
 */
export function exhaustedBeforePublish(event: OutboxEvent): Final | undefined {
  if (event.attempts <= event.maxRetries + 1) return undefined;
  const error = `out of attempts: attempt ${event.attempts - 1} of ${event.maxRetries + 1} never finished (lease expired)`;
  return { event, outcome: { id: event.id, status: 'failed', error }, reason: 'exhausted' };
}
