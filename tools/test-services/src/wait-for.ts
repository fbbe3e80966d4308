import { sleep } from './processes.js';

export interface WaitForOptions {
  /** What is awaited, for the error message: "redis-server on port 1234 to answer". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked before each try: an error here (the process exited) ends the wait at once. */
  failure?: () => Error | undefined;
}

/** Poll `check` until it returns true; rejects after `timeoutMs` or as soon as `failure` says so. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  options: WaitForOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = options.failure?.();
    if (failed) throw failed;
    if (await check()) return;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`);
    await sleep(options.intervalMs ?? 50);
  }
}
