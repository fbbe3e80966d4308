import { Prng } from './prng.js';

export type ChaosAction =
  | { at: number; kind: 'kill-worker'; worker: number }
  | { at: number; kind: 'pause-worker'; worker: number; ms: number }
  | { at: number; kind: 'restart-broker'; downMs: number }
  | { at: number; kind: 'cut-broker-connections' }
  | { at: number; kind: 'restart-postgres'; downMs: number; mode: 'immediate' | 'fast' };

export type ChaosKind = ChaosAction['kind'];

export interface ScheduleOptions {
  seed: number;
  /** Producing time, in ms. */
  durationMs: number;
  workers: number;
  leaseTimeMs: number;
  /** Only servers the harness started are restarted. */
  restartBroker: boolean;
  restartPostgres: boolean;
}

/**
 * The chaos plan, a pure function of its options: the same seed gives the same actions, at the
 * same offsets, against the same worker slots. The first actions are one of each kind in a
 * shuffled order, so even a short run exercises every kind; the rest are drawn at random.
 */
export function buildSchedule(options: ScheduleOptions): ChaosAction[] {
  const prng = new Prng(options.seed);
  const kinds: ChaosKind[] = ['kill-worker', 'pause-worker', 'cut-broker-connections'];
  if (options.restartBroker) kinds.push('restart-broker');
  if (options.restartPostgres) kinds.push('restart-postgres');
  // Weights for the random part: processes fail more often than servers.
  const weighted: ChaosKind[] = kinds.flatMap((kind) =>
    kind.endsWith('worker') ? [kind, kind, kind] : [kind, kind],
  );

  const warmup = Math.min(5000, options.durationMs * 0.1);
  // No new action in the last stretch, so the last pause and restart end before producing stops.
  const last = options.durationMs - Math.min(10_000, options.durationMs * 0.15);
  const actions: ChaosAction[] = [];
  const first = prng.shuffle(kinds);
  let at = warmup + prng.between(0, 2000);
  while (at <= last) {
    const kind = first.shift() ?? prng.pick(weighted);
    const worker = prng.int(0, options.workers - 1);
    if (kind === 'kill-worker') actions.push({ at, kind, worker });
    else if (kind === 'pause-worker') {
      actions.push({ at, kind, worker, ms: Math.round(options.leaseTimeMs + prng.between(1000, 3000)) });
    } else if (kind === 'restart-broker')
      actions.push({ at, kind, downMs: Math.round(prng.between(500, 3000)) });
    else {
      const mode = prng.chance(0.5) ? 'immediate' : 'fast';
      actions.push({ at, kind, downMs: Math.round(prng.between(500, 3000)), mode });
    }
    at += prng.between(4000, 9000);
  }
  return actions.map((action) => ({ ...action, at: Math.round(action.at) }));
}

export function describeAction(action: ChaosAction): string {
  switch (action.kind) {
    case 'kill-worker':
      return `SIGKILL worker-${action.worker + 1}`;
    case 'pause-worker':
      return `SIGSTOP worker-${action.worker + 1} for ${(action.ms / 1000).toFixed(1)} s`;
    case 'cut-broker-connections':
      return 'cut every worker connection to the broker';
    case 'restart-broker':
      return `restart the broker (SIGKILL, down ${(action.downMs / 1000).toFixed(1)} s)`;
    case 'restart-postgres':
      return `restart PostgreSQL (${action.mode} stop, down ${(action.downMs / 1000).toFixed(1)} s)`;
  }
}
