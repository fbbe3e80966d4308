/** The retry settings the delay depends on, in milliseconds. */
export interface BackoffSettings {
  /** Exponential (true) or a fixed `baseMs` (false). */
  backoff: boolean;
  baseMs: number;
  maxMs: number;
}

/** Jitter spreads retries of events that failed together by this fraction either way. */
export const JITTER = 0.2;

/**
 * Delay before the next attempt after the `failures`-th failed attempt (1 for the first failure):
 * `baseMs × 2^(failures−1)`, spread ±20 % by `random`, never above `maxMs`. Without the cap a
 * delay grows past any use; without the spread a burst of failures retries in lockstep.
 */
export function retryDelay(
  failures: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  if (!settings.backoff) return settings.baseMs;
  // Past 2^40 the cap has long applied; stop the exponent before it overflows to Infinity.
  const exponent = Math.min(Math.max(failures, 1) - 1, 40);
  const raw = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  const spread = 1 - JITTER + 2 * JITTER * clamp01(random());
  return Math.round(Math.min(settings.maxMs, raw * spread));
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}

/** How a worker's idle sleep backs off while the store is failing. */
export const STORE_BACKOFF: BackoffSettings = { backoff: true, baseMs: 500, maxMs: 30_000 };
