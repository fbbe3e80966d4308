import { makeOutboxEvent } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { HeldKeys } from './held-keys.js';
import type { Final } from './key-runs.js';

const retried = (key: string | null): Final => {
  const event = makeOutboxEvent({ key });
  return { event, outcome: { id: event.id, status: 'retry', delayMs: 1000, error: 'down' } };
};

describe('HeldKeys', () => {
  it('holds the keys of unpublished events for every claim until released', () => {
    const keys = new HeldKeys();
    const before = keys.claimMade();
    const held = keys.holdUnpublished([retried('a'), retried(null)]);
    expect(held).toEqual(new Set(['a']));
    const during = keys.claimMade();
    expect(keys.has('a', before)).toBe(true);
    expect(keys.has('a', during)).toBe(true);
    expect(keys.has('b', during)).toBe(false);
  });

  it('keeps a key held for the claims made before its hold ended, not for later ones', () => {
    const keys = new HeldKeys();
    const held = keys.holdUnpublished([retried('a')]);
    // Made while the batch was being recorded: it may come back after the release, with rows
    // chosen before the record.
    const during = keys.claimMade();
    keys.release(held);
    const after = keys.claimMade();
    expect(keys.has('a', during)).toBe(true);
    expect(keys.has('a', after)).toBe(false);
    keys.forget(after);
    expect(keys.has('a', during)).toBe(false);
  });

  it('counts overlapping holds of one key', () => {
    const keys = new HeldKeys();
    const first = keys.holdUnpublished([retried('a')]);
    const second = keys.holdUnpublished([retried('a')]);
    keys.release(first);
    const claim = keys.claimMade();
    expect(keys.has('a', claim)).toBe(true);
    keys.release(second);
    expect(keys.has('a', keys.claimMade())).toBe(false);
  });
});
