import type { Dispatch } from '@dispatch/core';
import type { Worker } from '@dispatch/worker';

/** Run worker cycles until the outbox has nothing pending, retrying or in flight. */
export async function runUntilDrained(dispatch: Dispatch, worker: Worker, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await worker.runOnce();
    if (report.claimed === 0) {
      const { counts } = await dispatch.store.stats();
      if (counts.pending + counts.retry + counts.processing === 0) return;
    }
    if (Date.now() > deadline) throw new Error(`the outbox was not drained within ${timeoutMs} ms`);
    if (report.claimed === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
