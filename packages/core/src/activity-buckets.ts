import type { ActivityBucket, ActivityReport, ActivityRequest } from './store.js';

/** Counts of an activity report being filled in; `report()` returns them. */
export interface ActivityBuckets {
  /** Start of the first bucket, in epoch ms. */
  readonly first: number;
  /**
   * Count `n` events created at `createdAt` (epoch ms; `null`: before the window) and, when they
   * are final, published or failed at `finished.at`. Events that finished before the window are
   * left out; an unfinished one is in the backlog of every bucket from its creation's on.
   */
  add(n: number, createdAt: number | null, finished?: { status: 'published' | 'failed'; at: number }): void;
  report(): ActivityReport;
}

/**
 * The empty buckets of an activity report ending at the store's `nowMs`, for a store's
 * `activity()`: every store counts into the same buckets the same way, whatever it reads.
 */
export function activityBuckets(request: ActivityRequest, nowMs: number): ActivityBuckets {
  const width = request.bucketMs;
  const count = Math.ceil(request.windowMs / width);
  const first = Math.floor(nowMs / width) * width - (count - 1) * width;
  // Bucket index of a time: -1 before the window, clamped to the last bucket after it.
  const index = (at: number) => (at < first ? -1 : Math.min(count - 1, Math.floor((at - first) / width)));
  const buckets: ActivityBucket[] = Array.from({ length: count }, (_, n) => ({
    start: new Date(first + n * width),
    created: 0,
    published: 0,
    failed: 0,
    backlog: 0,
  }));
  return {
    first,
    add(n, createdAt, finished) {
      const created = createdAt === null ? -1 : index(createdAt);
      let done = count;
      if (finished) {
        done = index(finished.at);
        if (done < 0) return;
        const bucket = buckets[done] as ActivityBucket;
        if (finished.status === 'published') bucket.published += n;
        else bucket.failed += n;
      }
      if (created >= 0) (buckets[created] as ActivityBucket).created += n;
      // In the backlog at the end of every bucket from its creation's until the one it finished in.
      for (let b = Math.max(0, created); b < done; b++) (buckets[b] as ActivityBucket).backlog += n;
    },
    report: () => ({ now: new Date(nowMs), buckets }),
  };
}
