export { BackendGate, type BackendGateOptions } from './backend-gate.js';
export { type BackoffSettings, JITTER, retryDelay } from './backoff.js';
export { CliFailure, type CliIo, processIo } from './cli-io.js';
export { WorkerMetrics } from './metrics.js';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './metrics-server.js';
export { createProgram, runCli } from './program.js';
export {
  type DependencyState,
  type Readiness,
  ReadinessCheck,
  type ReadinessOptions,
} from './readiness.js';
export { type CleanupOptions, type CleanupProgress, type CleanupResult, runCleanup } from './retention.js';
export { linkOf } from './tracing.js';
export {
  type BatchReport,
  createWorker,
  Worker,
  type WorkerDispatch,
  type WorkerOptions,
  type WorkerState,
} from './worker.js';
