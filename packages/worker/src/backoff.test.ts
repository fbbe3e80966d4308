import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.js';

const settings = { backoff: true, baseMs: 5000, maxMs: 600_000 };

describe('retryDelay', () => {
  it('doubles from the base delay per failure and caps at the maximum (no jitter at random 0.5)', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelay(n, settings, () => 0.5));
    expect(delays).toEqual([5000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
  });

  it('spreads by at most 20 % either way, never above the cap', () => {
    expect(retryDelay(1, settings, () => 0)).toBe(4000);
    expect(retryDelay(1, settings, () => 1)).toBe(6000);
    expect(retryDelay(9, settings, () => 1)).toBe(600_000);
    expect(retryDelay(8, settings, () => 0)).toBe(480_000);
  });

  it('uses the base delay unchanged when backoff is off', () => {
    expect(retryDelay(1, { ...settings, backoff: false }, () => 0)).toBe(5000);
    expect(retryDelay(7, { ...settings, backoff: false }, () => 1)).toBe(5000);
  });

  it('stays finite for huge failure counts and odd random values', () => {
    expect(retryDelay(10_000, settings, () => Number.NaN)).toBe(600_000);
    expect(retryDelay(0, settings, () => 0.5)).toBe(5000);
  });
});
