import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES, type BackendName } from './backends/index.js';
import { DEFAULT_KEY_COUNT } from './run-names.js';
import { STORE_NAMES, type StoreName } from './stores/index.js';

export interface ChaosOptions {
  /** Seconds of producing under chaos (drain and check come after). */
  duration: number;
  seed: number | undefined;
  workers: number;
  producers: number;
  /** Transactions per second per producer. */
  rate: number;
  /** Ordering keys the keyed events (about half) share; 1 with `--hot-key`. */
  keys: number;
  /** `OUTBOX_WORKER.LEASE_TIME` of the workers, in seconds. */
  leaseTime: number;
  /** The broker the workers publish to. */
  backend: BackendName;
  /** The ORM the producers' business transactions and the workers' store run on. */
  store: StoreName;
  /** The Redis client library the workers' backend uses (`--backend redis`). */
  redisClient: 'ioredis' | 'node-redis';
  /** Delay the proxy adds to every broker reply the workers get, in ms. */
  brokerLatency: number;
  /** Longest wait for the outbox to empty after producing stops, in seconds. */
  drainTimeout: number;
  /** A broker of the user's own (never restarted) instead of a throwaway one. */
  brokerUrl: string | undefined;
  pgUrl: string | undefined;
  idempotent: boolean;
  json: boolean;
  /** Keep the run folder (logs, config) and, on your own servers, the tables and streams. */
  keep: boolean;
  quiet: boolean;
}

const number =
  (min: number, whole: boolean) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (whole && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`expected a ${whole ? 'whole ' : ''}number >= ${min}`);
    }
    return n;
  };

/** The `chaos` command line; `parse` resolves to the options, or exits on --help and usage errors. */
export function parseOptions(argv: readonly string[]): ChaosOptions {
  const program = new Command('chaos')
    .description(
      'Run producers and dispatch workers under kills, pauses and server restarts, then check the streams against the ledger.',
    )
    .option('--duration <seconds>', 'seconds of producing under chaos', number(5, false), 120)
    .option(
      '--seed <n>',
      'seed of the chaos schedule and the producers (default: random, printed)',
      number(1, true),
    )
    .option('--workers <n>', 'dispatch worker processes', number(1, true), 3)
    .option('--producers <n>', 'producer processes', number(1, true), 2)
    .option('--rate <n>', 'transactions per second per producer', number(1, false), 30)
    .option('--keys <n>', 'ordering keys the keyed events share', number(1, true), DEFAULT_KEY_COUNT)
    .addOption(
      new Option('--hot-key', 'every keyed event on one ordering key (the same as --keys 1)').conflicts(
        'keys',
      ),
    )
    .option('--lease-time <seconds>', 'OUTBOX_WORKER.LEASE_TIME of the workers', number(1, false), 3)
    .addOption(
      new Option('--backend <name>', 'the broker the workers publish to')
        .choices(BACKEND_NAMES)
        .default('redis'),
    )
    .addOption(
      new Option('--store <name>', "the ORM of the business transactions and the workers' store")
        .choices(STORE_NAMES)
        .default('mikro'),
    )
    .addOption(
      new Option('--redis-client <name>', "the workers' Redis client library (--backend redis)")
        .choices(['ioredis', 'node-redis'])
        .default('ioredis'),
    )
    .addOption(
      new Option('--broker-latency <ms>', 'delay added to every broker reply to the workers (default: 20)')
        .argParser(number(0, false))
        .conflicts('redisLatency'),
    )
    .addOption(new Option('--redis-latency <ms>', 'the same as --broker-latency').argParser(number(0, false)))
    .option(
      '--drain-timeout <seconds>',
      'longest wait for the outbox to empty at the end',
      number(1, false),
      60,
    )
    .addOption(
      new Option(
        '--broker-url <url>',
        'use this broker instead of a throwaway one (never restarted)',
      ).conflicts('redisUrl'),
    )
    .option('--redis-url <url>', 'the same as --broker-url, for --backend redis only')
    .option('--pg-url <url>', 'use this PostgreSQL instead of a throwaway cluster (never restarted)')
    .addOption(
      new Option('--no-idempotent', 'turn idempotent append off (duplicates are then reported, not failed)'),
    )
    .option('--json', 'print the result as JSON on stdout')
    .option('--keep', 'keep the run folder, and the tables and streams on your own servers')
    .option('--quiet', 'no progress lines on stderr')
    .showHelpAfterError();
  program.parse([...argv], { from: 'user' });
  const opts = program.opts();
  if (opts.redisUrl !== undefined && opts.backend !== 'redis') {
    program.error(`error: --redis-url is for --backend redis; use --broker-url for ${opts.backend}`);
  }
  return {
    duration: opts.duration as number,
    seed: opts.seed as number | undefined,
    workers: opts.workers as number,
    producers: opts.producers as number,
    rate: opts.rate as number,
    keys: opts.hotKey ? 1 : (opts.keys as number),
    leaseTime: opts.leaseTime as number,
    backend: opts.backend as BackendName,
    store: opts.store as StoreName,
    brokerLatency: (opts.brokerLatency ?? opts.redisLatency ?? 20) as number,
    redisClient: opts.redisClient as 'ioredis' | 'node-redis',
    drainTimeout: opts.drainTimeout as number,
    brokerUrl: (opts.brokerUrl ?? opts.redisUrl) as string | undefined,
    pgUrl: opts.pgUrl as string | undefined,
    idempotent: opts.idempotent as boolean,
    json: Boolean(opts.json),
    keep: Boolean(opts.keep),
    quiet: Boolean(opts.quiet),
  };
}
