// `pnpm bench`: builds nothing (run `pnpm build` first), runs every benchmark one after the other
// (they share this machine's cores with PostgreSQL and Redis, so never in parallel), then prints one
// table and writes it to bench/results/latest.json and latest.md.
//
//   pnpm build && pnpm bench                 # everything
//   pnpm bench -- redis-stream worker        # only these suites (brokers: NATS and RabbitMQ)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, markdownTable } from './lib/report.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const SUITES = ['redis-stream', 'stores', 'worker', 'brokers', 'backlog'];
const wanted = process.argv.slice(2).filter((arg) => arg !== '--');
const suites = wanted.length > 0 ? SUITES.filter((suite) => wanted.includes(suite)) : SUITES;

mkdirSync(join(here, 'results'), { recursive: true });
const rowsFile = join(here, 'results', 'rows.tmp');
rmSync(rowsFile, { force: true });

const failures = [];
for (const suite of suites) {
  const script = join(here, suite, 'run.mjs');
  if (!existsSync(script)) {
    failures.push(`${suite}: ${script} is missing`);
    continue;
  }
  console.log(`\n=== ${suite} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [script], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULTS_FILE: rowsFile },
  });
  console.log(`(${suite}: ${((Date.now() - started) / 1000).toFixed(0)} s, exit ${result.status})`);
  if (result.status !== 0) failures.push(`${suite}: exited with ${result.status}`);
}

const rows = existsSync(rowsFile)
  ? readFileSync(rowsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(rowsFile, { force: true });
const report = { machine: machine(), command: `pnpm bench ${wanted.join(' ')}`.trim(), rows, failures };
const table = markdownTable(rows);
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(
  join(here, 'results', 'latest.md'),
  `# Benchmark report\n\n${report.machine.date}, Node ${report.machine.node}, ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB\n\nCommand: \`${report.command}\`\n\n${table}\n${failures.length > 0 ? `\nFailures:\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`,
);
console.log(`\n${table}`);
if (failures.length > 0) console.log(`\nFailures:\n${failures.map((f) => `- ${f}`).join('\n')}`);
console.log('\nWritten to bench/results/latest.json and bench/results/latest.md');
process.exitCode = failures.length > 0 ? 1 : 0;
