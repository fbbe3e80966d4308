import { describe, expect, it } from 'vitest';
import { ClaimAhead } from './claim-ahead.js';

/** How many of the next `n` keyed batches would be claimed ahead of. */
const aheadOf = (policy: ClaimAhead, n: number) =>
  Array.from({ length: n }, () => policy.afterKeyed()).filter(Boolean).length;

describe('ClaimAhead', () => {
  it('claims ahead of keyed batches while that finds events', () => {
    const policy = new ClaimAhead();
    for (let i = 0; i < 5; i++) {
      expect(policy.afterKeyed()).toBe(true);
      policy.found(100);
    }
  });

  it('backs off 2, 4, ... 32 keyed batches after claims ahead that found nothing', () => {
    const policy = new ClaimAhead();
    const skipped: number[] = [];
    expect(policy.afterKeyed()).toBe(true);
    for (let miss = 0; miss < 7; miss++) {
      // The claim made ahead found nothing; count the keyed batches until the next one.
      policy.found(0);
      let skips = 0;
      while (!policy.afterKeyed()) skips++;
      skipped.push(skips);
    }
    expect(skipped).toEqual([2, 4, 8, 16, 32, 32, 32]);
  });

  it('claims ahead again at once after one found events', () => {
    const policy = new ClaimAhead();
    policy.found(0);
    policy.found(0);
    expect(aheadOf(policy, 4)).toBe(0);
    policy.found(3);
    expect(aheadOf(policy, 4)).toBe(4);
  });
});
