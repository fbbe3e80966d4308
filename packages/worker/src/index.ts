export type { CliIo } from './cli-io.js';
export { WorkerMetrics } from './metrics.js';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './metrics-server.js';
export { runCli } from './program.js';
export {
  type DependencyState,
  pausedBackends,
  type Readiness,
  ReadinessCheck,
  type ReadinessOptions,
} from './readiness.js';
export { type CleanupOptions, type CleanupProgress, type CleanupResult, runCleanup } from './retention.js';
export {
  type BatchReport,
  createWorker,
  Worker,
  type WorkerDispatch,
  type WorkerOptions,
  type WorkerState,
} from './worker.js';
