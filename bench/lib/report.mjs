// Shared by every benchmark: one result row per measurement, each next to the reference measured
// in the same run. When run by `pnpm bench` (BENCH_RESULTS_FILE set), rows are appended to that
// file as JSON lines for the combined report; run alone, a benchmark just prints its own table.
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/**
 * @typedef {object} BenchRow
 * @property {string} suite       e.g. 'redis-stream'
 * @property {string} name        what was measured, e.g. 'batch 100, ioredis'
 * @property {number} value       the measurement
 * @property {string} unit        'events/s', 'ms', 'MB', '%'
 * @property {string} [reference] what it is compared with, measured in the same run
 * @property {number} [referenceValue]
 * @property {number} [ratio]     value / referenceValue
 * @property {string} [target]    e.g. '>= 0.9x overlapped reference'
 * @property {boolean} [pass]     whether the target was met
 */

/** @param {BenchRow[]} rows */
export function record(rows) {
  const file = process.env.BENCH_RESULTS_FILE;
  if (!file) return;
  for (const row of rows) appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

const fmt = (n) =>
  n === undefined || n === null || Number.isNaN(n)
    ? ''
    : Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : n !== 0 && Math.abs(n) < 0.01
        ? // Two significant digits, so a tiny ratio (a drain crawling) does not read as 0.
          Number(n.toPrecision(2)).toString()
        : Number(n.toFixed(n >= 10 ? 1 : 2)).toString();

/** @param {BenchRow[]} rows */
export function markdownTable(rows) {
  const lines = [
    '| suite | measurement | result | reference (same run) | ratio | target | met |',
    '|---|---|---:|---|---:|---|:---:|',
  ];
  for (const row of rows) {
    const reference = row.reference ? `${row.reference}: ${fmt(row.referenceValue)} ${row.unit}` : '';
    const met = row.pass === undefined ? '' : row.pass ? 'yes' : 'NO';
    lines.push(
      `| ${row.suite} | ${row.name} | ${fmt(row.value)} ${row.unit} | ${reference} | ${row.ratio === undefined ? '' : `${fmt(row.ratio)}x`} | ${row.target ?? ''} | ${met} |`,
    );
  }
  return lines.join('\n');
}
