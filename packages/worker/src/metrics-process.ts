import type { FamilySpec, Sample } from './metrics-prometheus.js';

/**
 * Process metrics under the names Prometheus client libraries use (`process_*`, `nodejs_*`), read
 * from `process` at scrape time so they cost nothing between scrapes.
 */
export interface ComputedFamily {
  name: string;
  spec: FamilySpec;
  samples: Sample[];
}

// The wall-clock time the process started, fixed once: uptime and now drift apart by a few ms per read.
// Down, never up: a start time rounded up would lie in the future for the first half second.
const startTimeSeconds = Math.floor(Date.now() / 1000 - process.uptime());

export const PROCESS_METRICS: Record<string, FamilySpec> = {
  process_cpu_user_seconds_total: {
    type: 'counter',
    help: 'User CPU time spent by the process, in seconds.',
  },
  process_cpu_system_seconds_total: {
    type: 'counter',
    help: 'System CPU time spent by the process, in seconds.',
  },
  process_cpu_seconds_total: {
    type: 'counter',
    help: 'User and system CPU time spent by the process, in seconds.',
  },
  process_start_time_seconds: {
    type: 'gauge',
    help: 'Start time of the process since the Unix epoch, in seconds.',
  },
  process_resident_memory_bytes: { type: 'gauge', help: 'Resident memory size of the process, in bytes.' },
  nodejs_heap_size_total_bytes: { type: 'gauge', help: 'V8 heap size (allocated), in bytes.' },
  nodejs_heap_size_used_bytes: { type: 'gauge', help: 'V8 heap in use, in bytes.' },
  nodejs_external_memory_bytes: {
    type: 'gauge',
    help: 'Memory of C++ objects bound to JavaScript objects, in bytes.',
  },
};

export function processMetrics(): ComputedFamily[] {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const values: Record<string, number> = {
    process_cpu_user_seconds_total: cpu.user / 1e6,
    process_cpu_system_seconds_total: cpu.system / 1e6,
    process_cpu_seconds_total: (cpu.user + cpu.system) / 1e6,
    process_start_time_seconds: startTimeSeconds,
    process_resident_memory_bytes: memory.rss,
    nodejs_heap_size_total_bytes: memory.heapTotal,
    nodejs_heap_size_used_bytes: memory.heapUsed,
    nodejs_external_memory_bytes: memory.external,
  };
  return Object.entries(PROCESS_METRICS).map(([name, spec]) => ({
    name,
    spec,
    samples: [{ value: values[name] ?? 0 }],
  }));
}
