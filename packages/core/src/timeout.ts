import { TimeoutError } from './errors.js';

/** `work`, or a `TimeoutError` if it has not settled within `ms`. The timer never keeps the process alive. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(() => work, ms, what);
}

/**
 * What core hands a driver with each call: `signal` aborts (its reason a `TimeoutError`) when core
 * stops waiting for the call. A driver that can cancel its I/O (fetch, a client with its own
 * cancel) should pass it on; one that cannot may ignore it, since core rejects at the deadline
 * either way.
 */
export interface CallContext {
  signal: AbortSignal;
}

/**
 * Run `work` with a signal that aborts after `ms`, rejecting with a `TimeoutError` at that moment
 * even if `work` never settles. `ms` of 0 or Infinity: no deadline. A caller's own `outer` signal
 * aborts it too, rejecting with that signal's reason.
 */
export function withDeadline<T>(
  work: (call: CallContext) => Promise<T>,
  ms: number,
  what: string,
  outer?: AbortSignal,
): Promise<T> {
  if (outer?.aborted) return Promise.reject(outer.reason);
  const controller = new AbortController();
  const call = { signal: controller.signal };
  const timed = Number.isFinite(ms) && ms > 0;
  if (!timed && !outer) return work(call);
  return new Promise<T>((resolve, reject) => {
    const stop = (reason: unknown) => {
      controller.abort(reason);
      reject(reason);
    };
    const timer = timed ? setTimeout(() => stop(new TimeoutError(what, ms)), ms) : undefined;
    timer?.unref?.();
    const onOuterAbort = () => stop(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    const settle =
      <V>(finish: (value: V) => void) =>
      (value: V) => {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
        finish(value);
      };
    let running: Promise<T>;
    try {
      running = work(call);
    } catch (error) {
      settle(reject)(error);
      return;
    }
    running.then(settle(resolve), settle(reject));
  });
}
