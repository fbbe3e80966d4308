import type { ChaosResult } from './harness.js';

/** The result table and what went wrong, for a terminal. */
export function formatReport(result: ChaosResult): string {
  const { verdict } = result;
  const width = Math.max(...verdict.rows.map((row) => row.name.length));
  const valueWidth = Math.max(5, ...verdict.rows.map((row) => String(row.value).length));
  const lines: string[] = [];
  lines.push('');
  const { options } = result;
  const broker = { redis: 'Redis', nats: 'NATS', rabbitmq: 'RabbitMQ' }[options.backend] ?? options.backend;
  const client = options.backend === 'redis' ? ` (${options.redisClient})` : '';
  lines.push(
    `Dispatch chaos run ${result.runId}: seed ${result.seed}, ${options.duration} s, ${options.workers} workers, ${options.producers} producers, ${options.keys === 1 ? 'one hot ordering key' : `${options.keys} ordering keys`}, lease ${options.leaseTime} s, store ${options.store}, backend ${options.backend}${client}, ${result.duplicatesFail ? 'idempotent append on' : 'duplicates allowed'}, ${broker} replies +${options.brokerLatency} ms`,
  );
  lines.push(
    `chaos: ${result.chaos['kill-worker']} worker kills (${result.hits['kill-worker']} mid-batch), ${result.chaos['pause-worker']} worker pauses (${result.hits['pause-worker']} mid-batch), ${result.chaos['cut-broker-connections']} ${broker} connection cuts (${result.hits['cut-broker-connections']} mid-batch), ${result.chaos['restart-broker']} ${broker} restarts, ${result.chaos['restart-postgres']} PostgreSQL restarts; ` +
      `${result.unexpectedWorkerExits.length} worker exits not caused by the harness; drained ${result.drained ? `in ${result.drainSeconds.toFixed(1)} s` : 'NOT (timed out)'}; ${result.totalSeconds.toFixed(0)} s in all`,
  );
  lines.push('');
  lines.push(`| ${'check'.padEnd(width)} | ${'count'.padStart(valueWidth)} | rule       | result |`);
  lines.push(`| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth - 1)}: | ---------- | ------ |`);
  for (const row of verdict.rows) {
    const rule = row.rule === 'zero' ? 'must be 0' : 'reported';
    const status = row.rule === 'zero' ? (row.ok ? 'ok' : 'FAIL') : '';
    lines.push(
      `| ${row.name.padEnd(width)} | ${String(row.value).padStart(valueWidth)} | ${rule.padEnd(10)} | ${status.padEnd(6)} |`,
    );
  }
  lines.push('');
  const { samples } = verdict;
  const list = (title: string, items: readonly string[]) => {
    if (items.length === 0) return;
    lines.push(`${title} (first ${items.length}):`);
    for (const item of items) lines.push(`  ${item}`);
  };
  list(
    'lost',
    samples.lost.map(
      (e) => `${e.eventId} status=${e.status ?? 'no outbox row'} attempts=${e.attempts ?? '-'}`,
    ),
  );
  list('published for rolled-back transactions', samples.publishedRolledBack);
  list('published but not in the ledger', samples.notInLedger);
  list('entries that disagree with the ledger', samples.mismatched);
  list('torn transactions', samples.torn);
  list(
    'duplicates',
    samples.duplicates.map(
      (d) => `${d.eventId} entries ${d.entries.join(', ')} attempts=${d.attempts ?? '-'}: ${d.cause}`,
    ),
  );
  list(
    'per-key order violations',
    samples.orderViolations.map(
      (v) =>
        `${v.key}: ${v.eventId} (commit position ${v.position}) at entry ${v.entry}, after position ${v.after}`,
    ),
  );
  list(
    'stuck',
    samples.stuck.map((e) => `${e.eventId} status=${e.status} attempts=${e.attempts} key=${e.key ?? '-'}`),
  );
  if (Object.keys(samples.stuckByKey).length > 0) {
    lines.push(
      `stuck by ordering key: ${Object.entries(samples.stuckByKey)
        .map(([key, n]) => `${key} ${n}`)
        .join(', ')}`,
    );
  }
  list(
    'failed',
    samples.failed.map((e) => `${e.eventId} attempts=${e.attempts}: ${e.lastError ?? ''}`),
  );
  list(
    'worker exits not caused by the harness',
    result.unexpectedWorkerExits.map(
      (e) =>
        `${e.worker}: code ${e.code}, signal ${e.signal}, log ${e.log}, ending:\n${e.tail
          .trim()
          .split('\n')
          .slice(-8)
          .map((line) => `      ${line.slice(0, 300)}`)
          .join('\n')}`,
    ),
  );
  list('producer crashes', result.producerCrashes);
  lines.push(
    result.passed
      ? `PASS (seed ${result.seed})`
      : `FAIL (seed ${result.seed}; replay with --seed ${result.seed}): ${verdict.violations.join('; ')}`,
  );
  if (result.runDir) lines.push(`run folder (logs, config): ${result.runDir}`);
  return `${lines.join('\n')}\n`;
}
