import type { OutboxStore, ResolvedConfig } from '@dispatch/core';

const DAY_MS = 86_400_000;

export interface CleanupProgress {
  status: 'published' | 'failed';
  /** Deleted so far for this status (or, in a dry run, how many would be). */
  deleted: number;
}

export interface CleanupOptions {
  /** Count what would be deleted; delete nothing. */
  dryRun?: boolean | undefined;
  /** Called after each bounded batch. */
  onProgress?: ((progress: CleanupProgress) => void) | undefined;
  /** Stop between batches once aborted (worker shutdown). */
  signal?: AbortSignal | undefined;
}

export interface CleanupResult {
  /** Published events deleted (or that would be); null when `CLEANUP_PUBLISHED` is false. */
  published: number | null;
  failed: number;
  dryRun: boolean;
}

/**
 * Apply `OUTBOX_RETENTION`: delete published events older than `PUBLISHED_RETENTION_DAYS` (unless
 * `CLEANUP_PUBLISHED` is false) and failed ones older than `FAILED_RETENTION_DAYS`, in batches of
 * `CLEANUP_BATCH_SIZE` so no statement holds locks for long.
 */
export async function runCleanup(
  store: OutboxStore,
  retention: ResolvedConfig['OUTBOX_RETENTION'],
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const dryRun = options.dryRun ?? false;
  const sweep = async (status: 'published' | 'failed', days: number): Promise<number> => {
    const request = { status, olderThanMs: days * DAY_MS, limit: retention.CLEANUP_BATCH_SIZE };
    if (dryRun) {
      const count = await store.cleanup({ ...request, dryRun: true });
      options.onProgress?.({ status, deleted: count });
      return count;
    }
    let total = 0;
    while (!options.signal?.aborted) {
      const deleted = await store.cleanup(request);
      total += deleted;
      options.onProgress?.({ status, deleted: total });
      if (deleted < request.limit) break;
      // Let publishing interleave between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return total;
  };
  const published = retention.CLEANUP_PUBLISHED
    ? await sweep('published', retention.PUBLISHED_RETENTION_DAYS)
    : null;
  const failed = await sweep('failed', retention.FAILED_RETENTION_DAYS);
  return { published, failed, dryRun };
}
