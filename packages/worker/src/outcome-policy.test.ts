import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { decideOutcome, exhaustedBeforePublish, retryBackoff } from './outcome-policy.js';

const backoff = retryBackoff({ RETRY_BACKOFF: true, RETRY_BASE_DELAY: 1, RETRY_MAX_DELAY: 60 });
const half = () => 0.5;
const failure = (kind: 'unavailable' | 'rejected' | 'retryable') => ({
  id: 'x',
  ok: false as const,
  failure: kind,
  error: new Error(`${kind} here`),
});

describe('decideOutcome', () => {
  it('records a published outcome as published', () => {
    const event = makeOutboxEvent();
    expect(decideOutcome(event, { id: event.id, ok: true }, backoff, half)).toEqual({
      final: { event, outcome: { id: event.id, status: 'published' } },
      unavailable: false,
    });
  });

  it('fails a rejected event at once, with attempts left', () => {
    const event = makeOutboxEvent({ attempts: 1, maxRetries: 5 });
    const { final, unavailable } = decideOutcome(event, failure('rejected'), backoff, half);
    expect(final).toEqual({
      event,
      outcome: { id: event.id, status: 'failed', error: 'rejected here' },
      reason: 'rejected',
    });
    expect(unavailable).toBe(false);
  });

  it('releases an event of an unreachable backend without using the attempt, and says so', () => {
    const event = makeOutboxEvent({ attempts: 3, maxRetries: 3 });
    const { final, unavailable } = decideOutcome(event, failure('unavailable'), backoff, half);
    expect(final.outcome).toEqual({ id: event.id, status: 'released', reason: 'backend unavailable' });
    expect(unavailable).toBe(true);
  });

  it('retries after the backoff while attempts are left, then fails as exhausted', () => {
    const event = makeOutboxEvent({ attempts: 2, maxRetries: 3 });
    const retried = decideOutcome(event, failure('retryable'), backoff, half).final.outcome;
    expect(retried).toMatchObject({ status: 'retry', error: 'retryable here' });
    expect(retried.status === 'retry' && retried.delayMs).toBeGreaterThan(0);
    const last = makeOutboxEvent({ attempts: 4, maxRetries: 3 });
    expect(decideOutcome(last, failure('retryable'), backoff, half).final).toMatchObject({
      outcome: { status: 'failed' },
      reason: 'exhausted',
    });
  });

  it('treats a missing outcome as retryable', () => {
    const event = makeOutboxEvent({ attempts: 1, maxRetries: 3 });
    expect(decideOutcome(event, undefined, backoff, half).final.outcome).toMatchObject({
      status: 'retry',
      error: 'no outcome from the backend',
    });
  });
});

describe('exhaustedBeforePublish', () => {
  it('fails an event whose last attempt never finished, and lets the others through', () => {
    expect(exhaustedBeforePublish(makeOutboxEvent({ attempts: 4, maxRetries: 3 }))).toBeUndefined();
    expect(exhaustedBeforePublish(makeOutboxEvent({ attempts: 5, maxRetries: 3 }))).toMatchObject({
      outcome: { status: 'failed', error: 'out of attempts: attempt 4 of 4 never finished (lease expired)' },
      reason: 'exhausted',
    });
  });
});
