import { hasErrorCode, isDispatchError } from '@dispatch/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliFailure, type CliIo, processIo } from './cli-io.js';
import { cleanupCommand } from './commands/cleanup-command.js';
import { dashboardCommand } from './commands/dashboard-command.js';
import {
  eventsFailCommand,
  eventsListCommand,
  eventsRetryCommand,
  eventsShowCommand,
} from './commands/events-command.js';
import { healthCommand } from './commands/health-command.js';
import { initCommand } from './commands/init-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { statsCommand } from './commands/stats-command.js';
import { workerCommand } from './commands/worker-command.js';
import { paintFor } from './format.js';
import { DEFAULT_HEAP_GROWING_PERCENT } from './heap-growth.js';
import { VERSION } from './version.js';

const wholeNumber =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    }
    return n;
  };

const seconds = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number of seconds >= 0');
  return n;
};

const positiveSeconds = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.1)
    throw new InvalidArgumentError('expected a number of seconds >= 0.1');
  return n;
};

const filterOptions = (command: Command): Command =>
  command
    .option('--type <type>', 'only this event type')
    .option('--source <source>', 'only this source')
    .option('--key <key>', 'only this ordering key')
    .option('--publisher <name>', 'only events for this publisher')
    .addOption(new Option('--backend <name>', 'deprecated name of --publisher').hideHelp())
    .option('--since <time>', 'created at or after: a date (2026-03-01T12:00Z) or an age (30m, 2h, 7d)')
    .option('--until <time>', 'created before: a date or an age')
    .option('--search <text>', 'id, type, source or subject contains this (any case)');

/** The `dispatch` command. Each action resolves to the exit code. */
export function createProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('dispatch')
    .description(
      'Operate the Dispatch transactional outbox: run the worker, migrate, inspect and repair events.',
    )
    .option(
      '-c, --config <file>',
      'configuration file (default: dispatch.config.{ts,mts,cts,js,mjs,cjs} in this folder)',
    )
    .version(VERSION, '-V, --version', 'print the version of @dispatch/worker')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const config = (command: Command): string | undefined =>
    command.optsWithGlobals().config as string | undefined;

  program
    .command('worker')
    .description('claim, publish and record events until SIGINT/SIGTERM')
    .option('--batch-size <n>', 'events per batch (OUTBOX_WORKER.BATCH_SIZE)', wholeNumber(1))
    .option('--interval <seconds>', 'sleep when idle (OUTBOX_WORKER.SLEEP_TIME)', seconds)
    .option('--max-iterations <n>', 'stop after n claim cycles; 0 runs until stopped', wholeNumber(0), 0)
    .option('--concurrency <n>', 'batches published at once (OUTBOX_WORKER.CONCURRENCY)', wholeNumber(1))
    .option('--metrics-port <port>', 'serve /healthz and /metrics (Prometheus) on this port', wholeNumber(0))
    .addOption(new Option('--metrics-host <host>', 'interface for --metrics-port').default('127.0.0.1'))
    .option(
      '--heap-growing-percent <n>',
      `how far the heap may grow past what is live before a full collection; 0 leaves V8's default (default ${DEFAULT_HEAP_GROWING_PERCENT})`,
      wholeNumber(0),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  dispatch worker\n  dispatch worker --batch-size 500 --interval 1 --metrics-port 9464\n  dispatch worker --max-iterations 1   # one cycle, e.g. in a cron job',
    )
    .action(async (options, command: Command) => {
      done(await workerCommand({ ...options, config: config(command) }, io));
    });

  program
    .command('init')
    .description('write a commented dispatch.config.ts for the store and backend packages this project has')
    .option(
      '--store <package>',
      'the store, e.g. @dispatch/orm-prisma or prisma (default: the one installed)',
    )
    .option(
      '--backend <package>',
      'the backend, e.g. @dispatch/backend-nats or nats (default: the one installed)',
    )
    .option('--force', 'replace an existing dispatch.config.ts')
    .addHelpText(
      'after',
      '\nExamples:\n  dispatch init\n  dispatch init --store drizzle --backend redis-stream --force',
    )
    .action(async (options) => {
      done(await initCommand(options, io));
    });

  program
    .command('migrate')
    .description('create or update the outbox schema (idempotent)')
    .addHelpText('after', '\nExample:\n  dispatch migrate --config ./config/dispatch.config.ts')
    .action(async (_options, command: Command) => {
      done(await migrateCommand({ config: config(command) }, io));
    });

  program
    .command('cleanup')
    .description('delete published and failed events past OUTBOX_RETENTION now, in bounded batches')
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  dispatch cleanup --dry-run\n  dispatch cleanup --json')
    .action(async (options, command: Command) => {
      done(await cleanupCommand({ ...options, config: config(command) }, io));
    });

  program
    .command('health')
    .description('check the store and each backend; exit code 1 when any is down')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  dispatch health || echo "something is down"')
    .action(async (options, command: Command) => {
      done(await healthCommand({ ...options, config: config(command) }, io));
    });

  program
    .command('stats')
    .description('event counts by status, oldest pending age, in flight, per backend')
    .option('--json', 'machine-readable output (with --watch: one JSON line each time)')
    .option(
      '--watch [seconds]',
      'show them again every few seconds until Ctrl-C (default 2)',
      positiveSeconds,
    )
    .addHelpText('after', '\nExamples:\n  dispatch stats --json\n  dispatch stats --watch 5')
    .action(async (options, command: Command) => {
      // A bare --watch comes as true: every 2 s.
      const watch = options.watch === true ? 2 : (options.watch as number | undefined);
      done(await statsCommand({ ...options, watch, config: config(command) }, io));
    });

  program
    .command('dashboard')
    .description('serve the outbox in a browser (needs @dispatch/dashboard), on 127.0.0.1 unless told')
    .option('--port <port>', 'port to listen on; 0 picks a free one', wholeNumber(0), 8465)
    .addOption(new Option('--host <host>', 'interface to bind').default('127.0.0.1'))
    .option('--base-path <path>', 'serve under this path, e.g. /dispatch (behind a proxy)')
    .option('--read-only', 'show everything, change nothing')
    .option('--insecure', 'allow a non-loopback host without authentication')
    .addHelpText(
      'after',
      '\nAuthentication comes from the environment: DISPATCH_DASHBOARD_TOKEN (bearer), or\nDISPATCH_DASHBOARD_USER and DISPATCH_DASHBOARD_PASSWORD (basic).\n\nExamples:\n  dispatch dashboard\n  DISPATCH_DASHBOARD_USER=ops DISPATCH_DASHBOARD_PASSWORD=... dispatch dashboard --host 0.0.0.0 --port 8080',
    )
    .action(async (options, command: Command) => {
      done(await dashboardCommand({ ...options, config: config(command) }, io));
    });

  const events = program.command('events').description('list, show, retry or fail events');

  filterOptions(
    events
      .command('list')
      .description('list events, newest first')
      .option('--status <list>', 'comma-separated: pending,retry,processing,published,failed'),
  )
    .option('--limit <n>', 'at most this many', wholeNumber(1), 50)
    .option('--after <cursor>', 'the next page: the cursor a previous page printed (or its --json "next")')
    .option('--oldest', 'oldest first')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  dispatch events list --status failed --since 1d\n  dispatch events list --type order.created --json\n  dispatch events list --status pending --oldest --limit 20',
    )
    .action(async (options, command: Command) => {
      done(await eventsListCommand({ ...options, config: config(command) }, io));
    });

  events
    .command('show')
    .description('show one event: state, attempts history, payload')
    .argument('<id>', 'event id')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  dispatch events show 0195b1c2-7d3e-7abc-9def-0123456789ab')
    .action(async (id: string, options, command: Command) => {
      done(await eventsShowCommand(id, { ...options, config: config(command) }, io));
    });

  filterOptions(
    events
      .command('retry')
      .description(
        'put failed events back to pending (attempts reset), by id or all --failed matching filters',
      )
      .argument('[ids...]', 'event ids')
      .option('--failed', 'every failed event matching the filters (says how many and asks first)'),
  )
    .option('-y, --yes', 'with --failed: requeue without asking')
    .option('--dry-run', 'with --failed: list the events it would requeue; change nothing')
    .addHelpText(
      'after',
      '\nExamples:\n  dispatch events retry 0195b1c2-7d3e-7abc-9def-0123456789ab\n  dispatch events retry --failed --type order.created --since 2h --dry-run\n  dispatch events retry --failed --type order.created --since 2h --yes',
    )
    .action(async (ids: string[], options, command: Command) => {
      done(await eventsRetryCommand(ids, { ...options, config: config(command) }, io));
    });

  events
    .command('fail')
    .description('mark pending events failed (never in-flight or published ones)')
    .argument('<ids...>', 'event ids')
    .option('--reason <text>', 'recorded as the last error', 'marked failed by an operator')
    .addHelpText(
      'after',
      '\nExample:\n  dispatch events fail 0195b1c2-7d3e-7abc-9def-0123456789ab --reason "bad payload, see INC-42"',
    )
    .action(async (ids: string[], options, command: Command) => {
      done(await eventsFailCommand(ids, { ...options, config: config(command) }, io));
    });

  for (const command of [program, ...program.commands, ...events.commands]) {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  }
  return program;
}

/** Run the `dispatch` command with `argv` (without `node` and the script) and resolve to its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const program = createProgram(io, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with code 0; usage errors were already printed.
      return error.exitCode;
    }
    if (hasErrorCode(error, 'DISPATCH_CONFIG_INVALID')) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    const label = paintFor(io.stderr)('bad', 'error:');
    if (error instanceof CliFailure) {
      io.stderr.write(`${label} ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${label} ${isDispatchError(error) ? `${message} (${error.code})` : message}\n`);
    return 1;
  }
}
