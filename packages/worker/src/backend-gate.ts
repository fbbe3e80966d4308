import type { Backend, Logger } from '@dispatch/core';
import { retryDelay } from './backoff.js';

export interface BackendGateOptions {
  logger: Logger;
  /** Called once when the backend is reachable again, so the worker can resume at once. */
  onRecovered: () => void;
  /** First probe delay. @default 1000 */
  probeBaseMs?: number | undefined;
  /** Longest probe delay. @default 30000 */
  probeMaxMs?: number | undefined;
  random?: (() => number) | undefined;
}

/**
 * Outage state of one backend. While it is down the worker claims none of its events; a health
 * probe, run when the backend reports a reconnect and else with backoff, decides when it is back. The outage is logged once and the recovery once,
 * never per event: an outage must not spend events' attempts or flood the log.
 */
export class BackendGate {
  readonly name: string;
  readonly #backend: Backend;
  readonly #options: BackendGateOptions;
  #downSince: number | null = null;
  #probes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #probing: Promise<void> | undefined;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(backend: Backend, options: BackendGateOptions) {
    this.name = backend.name;
    this.#backend = backend;
    this.#options = options;
    // The client's reconnect is the earliest sign the backend is back: probe then rather than at
    // the next backoff step (up to probeMaxMs away); the probes stay as the fallback.
    this.#unsubscribe = backend.onReconnect(() => {
      void this.probeNow();
    });
  }

  get up(): boolean {
    return this.#downSince === null;
  }

  /** When the current outage started (ms since epoch), or null while up. */
  get downSince(): number | null {
    return this.#downSince;
  }

  /** Pause the backend after an `unavailable` outcome. Idempotent during one outage. */
  markDown(error: Error | string): void {
    if (this.#closed || this.#downSince !== null) return;
    this.#downSince = Date.now();
    this.#probes = 0;
    this.#options.logger.warn(
      { backend: this.name, err: typeof error === 'string' ? error : error.message },
      `backend "${this.name}" is unavailable; pausing it (its events are released without using an attempt) and probing until it is back`,
    );
    this.#schedule();
  }

  /** Check now instead of waiting for the next probe. Resolves once the probe finished. */
  probeNow(): Promise<void> {
    if (this.#downSince === null || this.#closed) return Promise.resolve();
    clearTimeout(this.#timer);
    this.#probing ??= this.#probe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#unsubscribe();
  }

  #schedule(): void {
    this.#probes += 1;
    const delay = retryDelay(
      this.#probes,
      { backoff: true, baseMs: this.#options.probeBaseMs ?? 1000, maxMs: this.#options.probeMaxMs ?? 30_000 },
      this.#options.random,
    );
    this.#timer = setTimeout(() => {
      void this.probeNow();
    }, delay);
    this.#timer.unref?.();
  }

  async #probe(): Promise<void> {
    const health = await this.#backend.health();
    if (this.#closed || this.#downSince === null) return;
    if (!health.ok) {
      this.#options.logger.debug(
        { backend: this.name, err: health.error },
        `backend "${this.name}" is still unavailable`,
      );
      this.#schedule();
      return;
    }
    const seconds = ((Date.now() - this.#downSince) / 1000).toFixed(1);
    this.#downSince = null;
    this.#options.logger.info(
      { backend: this.name, downForSeconds: Number(seconds) },
      `backend "${this.name}" is back after ${seconds} s; resuming`,
    );
    this.#options.onRecovered();
  }
}
