import { childLogger, type DispatchConfig } from '@dispatch/core';
import { openDispatch } from '../cli-context.js';
import type { CliIo } from '../cli-io.js';
import { DEFAULT_HEAP_GROWING_PERCENT, limitHeapGrowth } from '../heap-growth.js';
import { type MetricsServer, startMetricsServer } from '../metrics-server.js';
import { pausedBackends, ReadinessCheck } from '../readiness.js';
import { Worker } from '../worker.js';

export interface WorkerCommandOptions {
  config?: string | undefined;
  batchSize?: number | undefined;
  /** Seconds to sleep when idle (`SLEEP_TIME`). */
  interval?: number | undefined;
  maxIterations?: number | undefined;
  concurrency?: number | undefined;
  metricsPort?: number | undefined;
  metricsHost?: string | undefined;
  /** How far V8's heap may grow past what is live between full collections; 0 leaves V8's default. */
  heapGrowingPercent?: number | undefined;
}

/** Flags override `OUTBOX_WORKER`; the result is validated like the file, so errors name the setting. */
function withFlags(config: DispatchConfig, options: WorkerCommandOptions): DispatchConfig {
  const worker: Record<string, unknown> = { ...(config.OUTBOX_WORKER ?? {}) };
  if (options.batchSize !== undefined) worker.BATCH_SIZE = options.batchSize;
  if (options.interval !== undefined) worker.SLEEP_TIME = options.interval;
  if (options.concurrency !== undefined) worker.CONCURRENCY = options.concurrency;
  return { ...config, OUTBOX_WORKER: worker };
}

/**
 * `dispatch worker`: run until SIGINT/SIGTERM (or `--max-iterations`). The first signal stops
 * claiming, lets publishes in flight finish up to `SHUTDOWN_TIMEOUT`, gives back what was claimed
 * but not started, closes backends and store and exits 0; a second signal exits at once.
 */
export async function workerCommand(options: WorkerCommandOptions, io: CliIo): Promise<number> {
  const heapGrowth = limitHeapGrowth(options.heapGrowingPercent ?? DEFAULT_HEAP_GROWING_PERCENT);
  const dispatch = await openDispatch({
    cwd: io.cwd,
    config: options.config,
    override: (config) => withFlags(config, options),
  });
  const logger = childLogger(dispatch.logger, 'worker');
  logger.debug({ heapGrowth }, 'heap growth between full collections');
  const worker = new Worker(dispatch, { maxIterations: options.maxIterations ?? 0, logger });
  let signals = 0;
  const removeHandler = io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) {
      logger.info(
        { signal },
        `${signal}: stopping; finishing publishes in flight (send it again to exit at once)`,
      );
      void worker.stop();
      return;
    }
    io.stderr.write(`${signal} again: exiting now\n`);
    io.exit(signal === 'SIGINT' ? 130 : 143);
  });
  let server: MetricsServer | undefined;
  try {
    if (options.metricsPort !== undefined) {
      const readiness = new ReadinessCheck({
        store: dispatch.store,
        backends: dispatch.backends,
        paused: () => pausedBackends(worker.backendStatus()),
      });
      server = await startMetricsServer({
        worker,
        port: options.metricsPort,
        host: options.metricsHost,
        readiness: () => readiness.check(),
      });
      const host = options.metricsHost ?? '127.0.0.1';
      logger.info(
        { host, port: server.port },
        `serving /livez, /readyz, /healthz and /metrics on http://${host}:${server.port}`,
      );
    }
    await worker.run();
  } finally {
    await server?.close();
    await dispatch.close();
    removeHandler();
  }
  return 0;
}
