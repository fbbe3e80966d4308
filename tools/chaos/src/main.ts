import { runChaos } from './harness.js';
import { parseOptions } from './options.js';
import { formatReport } from './report.js';
import { CancelledError, runLastResort } from './teardown.js';

// `pnpm chaos [flags]`: exit 0 when every check holds, 1 on a violation, 2 when the run itself failed.
const options = parseOptions(process.argv.slice(2));
// Libraries print warnings with console.log (knex: "Connection Error: ..." during a PostgreSQL
// restart); stdout is for the result only, so --json stays parseable.
console.log = (...args: unknown[]) => console.error(...args);
const controller = new AbortController();
let firstSignal = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (firstSignal === 0) {
      firstSignal = Date.now();
      process.stderr.write(
        `\n[chaos] ${signal}: stopping everything the harness started (again to exit at once)\n`,
      );
      controller.abort();
      return;
    }
    // pnpm and tsx relay the terminal's Ctrl-C, so one keypress arrives more than once: only a
    // signal well after the first is the user insisting.
    if (Date.now() - firstSignal < 2000) return;
    runLastResort();
    process.exit(130);
  });
}

try {
  const result = await runChaos(options, controller.signal);
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
  process.exitCode = result.passed ? 0 : 1;
} catch (error) {
  if (error instanceof CancelledError) {
    process.stderr.write('[chaos] cancelled; everything it started is stopped\n');
    process.exitCode = 130;
  } else {
    process.stderr.write(
      `[chaos] the run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  }
}
// Open handles (an ORM pool, a timer) must not keep the process alive after the verdict.
setTimeout(() => process.exit(), 100).unref();
