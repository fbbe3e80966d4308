import type { StoreStats } from '@dispatch/core';
import { recordingLogger } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { DrainProgress } from './drain-progress.js';
import { emptyReport } from './worker-types.js';

const stats = (pending: number): StoreStats => ({
  counts: { pending, retry: 0, processing: 0, published: 0, failed: 0 },
  oldestPendingAgeMs: null,
  inFlight: 0,
  byBackend: {},
});

describe('DrainProgress', () => {
  it('logs the rate, the backlog left and the time to empty, then once that it caught up', () => {
    let now = 0;
    const logger = recordingLogger();
    const progress = new DrainProgress(logger, () => now);
    progress.counted(stats(10_000));
    progress.recorded({ ...emptyReport(), published: 900, failed: 100, retried: 5 });
    now = 10_000;
    progress.tick();
    expect(logger.lines).toEqual([
      {
        level: 'info',
        fields: { published: 900, retried: 5, failed: 100, perSecond: 100, backlog: 9000, etaSeconds: 90 },
        message: 'publishing 100 events/s, about 9000 waiting, empty in about 2 min',
      },
    ]);
    progress.recorded({ ...emptyReport(), published: 9000 });
    now = 20_000;
    progress.tick();
    expect(logger.lines[1]?.message).toBe('publishing 900 events/s, about 0 waiting');
    now = 30_000;
    progress.tick();
    now = 40_000;
    progress.tick();
    expect(logger.lines.slice(2)).toEqual([
      {
        level: 'info',
        fields: { published: 9900, failed: 100, backlog: 0 },
        message: 'caught up: nothing to publish in the last 10 s',
      },
    ]);
    expect(progress.summary()).toEqual({ published: 9900, retried: 5, failed: 100, seconds: 40 });
  });

  it('stays quiet while idle, and leaves the backlog out before the first count', () => {
    let now = 0;
    const logger = recordingLogger();
    const progress = new DrainProgress(logger, () => now);
    now = 10_000;
    progress.tick();
    expect(logger.lines).toEqual([]);
    progress.recorded({ ...emptyReport(), published: 50 });
    now = 20_000;
    progress.tick();
    expect(logger.lines).toEqual([
      {
        level: 'info',
        fields: { published: 50, retried: 0, failed: 0, perSecond: 5 },
        message: 'publishing 5 events/s',
      },
    ]);
  });
});
