import { InvalidArgumentError, type ResolvedConfig } from '@dispatch/core';
import type { WorkerOptions } from './worker-types.js';

/** `OUTBOX_WORKER` with the worker's own options applied, in milliseconds. */
export interface WorkerSettings {
  batchSize: number;
  sleepMs: number;
  concurrency: number;
  maxIterations: number;
  leaseMs: number;
  shutdownMs: number;
  wakeUps: boolean;
  cleanup: boolean;
  statsMs: number;
  holdDelayMs: number;
}

function checkWhole(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got ${String(value)}`);
  }
}

/** The settings of a worker; options that override `OUTBOX_WORKER` are checked like it. */
export function resolveWorkerSettings(config: ResolvedConfig, options: WorkerOptions): WorkerSettings {
  const worker = config.OUTBOX_WORKER;
  const settings: WorkerSettings = {
    batchSize: options.batchSize ?? worker.BATCH_SIZE,
    sleepMs: (options.sleepTime ?? worker.SLEEP_TIME) * 1000,
    concurrency: options.concurrency ?? worker.CONCURRENCY,
    maxIterations: options.maxIterations ?? 0,
    leaseMs: Math.round(worker.LEASE_TIME * 1000),
    shutdownMs: worker.SHUTDOWN_TIMEOUT * 1000,
    wakeUps: options.wakeUps ?? true,
    cleanup: options.cleanup ?? true,
    statsMs: (options.statsInterval ?? 30) * 1000,
    holdDelayMs: options.holdDelayMs ?? 60_000,
  };
  checkWhole('batchSize', settings.batchSize, 1);
  checkWhole('concurrency', settings.concurrency, 1);
  checkWhole('maxIterations', settings.maxIterations, 0);
  if (!Number.isFinite(settings.sleepMs) || settings.sleepMs < 0) {
    throw new InvalidArgumentError(
      `sleepTime must be a number of seconds >= 0, got ${String(options.sleepTime)}`,
    );
  }
  return settings;
}
