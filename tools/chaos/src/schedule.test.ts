import { describe, expect, it } from 'vitest';
import { buildSchedule } from './schedule.js';

const options = {
  seed: 1234,
  durationMs: 90_000,
  workers: 3,
  leaseTimeMs: 3000,
  restartBroker: true,
  restartPostgres: true,
};

describe('buildSchedule', () => {
  it('replays the same plan for the same seed, and another for another seed', () => {
    expect(buildSchedule(options)).toEqual(buildSchedule(options));
    expect(buildSchedule({ ...options, seed: 1235 })).not.toEqual(buildSchedule(options));
  });

  it('starts with one action of each kind and stays inside the chaos window', () => {
    const plan = buildSchedule(options);
    expect(new Set(plan.slice(0, 5).map((action) => action.kind))).toEqual(
      new Set([
        'kill-worker',
        'pause-worker',
        'cut-broker-connections',
        'restart-broker',
        'restart-postgres',
      ]),
    );
    for (const action of plan) {
      expect(action.at).toBeGreaterThanOrEqual(5000);
      expect(action.at).toBeLessThanOrEqual(80_000);
      if (action.kind === 'pause-worker') expect(action.ms).toBeGreaterThan(options.leaseTimeMs);
    }
  });

  it('never restarts servers it did not start', () => {
    const plan = buildSchedule({
      ...options,
      durationMs: 600_000,
      restartBroker: false,
      restartPostgres: false,
    });
    expect(
      plan.some((action) => action.kind === 'restart-broker' || action.kind === 'restart-postgres'),
    ).toBe(false);
  });
});
