import { expect, it } from 'vitest';

it('exports the public API only', async () => {
  const exported = Object.keys(await import('./index.js')).sort();
  expect(exported).toEqual([
    'ReadinessCheck',
    'Worker',
    'WorkerMetrics',
    'createWorker',
    'pausedBackends',
    'runCleanup',
    'runCli',
    'startMetricsServer',
  ]);
});
