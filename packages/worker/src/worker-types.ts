import type { Backend, Hooks, Logger, OutboxStore, ResolvedConfig } from '@dispatch/core';
import type { Meter, Tracer } from '@opentelemetry/api';

/** What the worker needs from `createDispatch(...)`: pass the dispatch instance itself. */
export interface WorkerDispatch {
  readonly config: ResolvedConfig;
  readonly store: OutboxStore;
  readonly backends: ReadonlyMap<string, Backend>;
  readonly hooks: Hooks;
  readonly logger: Logger;
}

export interface WorkerOptions {
  /** Overrides `OUTBOX_WORKER.BATCH_SIZE`. */
  batchSize?: number | undefined;
  /** Overrides `OUTBOX_WORKER.SLEEP_TIME`, in seconds. */
  sleepTime?: number | undefined;
  /** Overrides `OUTBOX_WORKER.CONCURRENCY`. */
  concurrency?: number | undefined;
  /** Stop after this many claim cycles (empty ones count); 0 runs until `stop()`. @default 0 */
  maxIterations?: number | undefined;
  /** Wake early on new events (store notifications, commits in this process). @default true */
  wakeUps?: boolean | undefined;
  /** Run `OUTBOX_RETENTION` cleanup every `CLEANUP_INTERVAL`. @default true */
  cleanup?: boolean | undefined;
  /** Seconds between store stats polls (backlog metrics, unconfigured-backend warnings); 0 disables. @default 30 */
  statsInterval?: number | undefined;
  /** Delay before an event of an unconfigured backend is offered again, in ms. @default 60000 */
  holdDelayMs?: number | undefined;
  /** First and longest delay between health probes of an unavailable backend, in ms. @default 1000 / 30000 */
  probeBaseMs?: number | undefined;
  probeMaxMs?: number | undefined;
  /** Lease token; unique per worker. @default `<host>:<pid>:<random>` */
  owner?: string | undefined;
  /** Jitter source (tests pass a constant). @default Math.random */
  random?: (() => number) | undefined;
  /** @default the dispatch logger's `worker` child */
  logger?: Logger | undefined;
  /** @default `metrics.getMeter('@dispatch/worker')` */
  meter?: Meter | undefined;
  /** @default `trace.getTracer('@dispatch/worker')` */
  tracer?: Tracer | undefined;
}

/** What one claim-publish-record cycle did. */
export interface BatchReport {
  claimed: number;
  published: number;
  retried: number;
  failed: number;
  released: number;
  /** Leases lost to another worker; nothing was recorded for these. */
  lost: number;
}

export type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

export const emptyReport = (): BatchReport => ({
  claimed: 0,
  published: 0,
  retried: 0,
  failed: 0,
  released: 0,
  lost: 0,
});
