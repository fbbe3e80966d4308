// Redis Stream backend throughput: 100k events published in batches, with and without idempotent
// append, on each client library, next to redis-benchmark's pipelined XADD of the same entries
// measured in the same run against the same throwaway redis-server.
//
//   pnpm --filter @dispatch/backend-redis-stream --filter @dispatch/test-services build && node bench/redis-stream/run.mjs
//
// Flags: --events 100000 --batch 100,1000 --rounds 3 (the median of the rounds is kept).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { median, outboxEvent } from '../lib/events.mjs';
import { record } from '../lib/report.mjs';

const packageDir = fileURLToPath(new URL('../../packages/backend-redis-stream/', import.meta.url));
// Resolve everything from the package, where its dependencies (and dev clients) are installed.
const requireFromPackage = createRequire(join(packageDir, 'package.json'));
const { redisStreamBackend, toStreamEntry } = await import(join(packageDir, 'dist/index.js'));
const { createBackend, silentLogger } = await import(requireFromPackage.resolve('@dispatch/core'));
const { Redis } = requireFromPackage('ioredis');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '100,1000' },
    rounds: { type: 'string', default: '3' },
  },
});
const EVENTS = Number(args.events);
const BATCHES = args.batch.split(',').map(Number);
const ROUNDS = Number(args.rounds);

function run(command, args) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} failed: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

async function main() {
  const server = await RedisServer.start({ dirPrefix: 'dispatch-bench-' });
  const { port } = server;
  const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 100 });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    const version = (await admin.info('server')).match(/redis_version:(\S+)/)?.[1];
    const events = Array.from({ length: EVENTS }, (_, n) => outboxEvent(n));
    const sample = toStreamEntry(events[0]);
    const entryBytes = sample.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
    console.log(
      `redis ${version} on 127.0.0.1:${port}; ${EVENTS} events per run, entry ${entryBytes} bytes, median of ${ROUNDS}`,
    );
    console.log(`node ${process.version}; ${new Date().toISOString()}\n`);

    const rows = [];
    for (const batch of BATCHES) {
      // The same entry redis-benchmark appends: the sample event's fields, MAXLEN ~ 10000 like ours.
      const benchmarkRate = async () => {
        await admin.flushall();
        const out = await run('redis-benchmark', [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-c',
          '1',
          '-n',
          String(EVENTS),
          '-P',
          String(batch),
          '--csv',
          'XADD',
          'bench:raw',
          'MAXLEN',
          '~',
          '10000',
          '*',
          ...sample,
        ]);
        // The test name holds the entry's JSON (commas, quotes): read the columns from the end.
        const line = out.trim().split('\n').at(-1) ?? '';
        const cells = line.split('","');
        return Number(cells[cells.length - 7]);
      };
      const rawPipelineRate = async () => {
        await admin.flushall();
        const redis = new Redis({ host: '127.0.0.1', port });
        const started = performance.now();
        for (let i = 0; i < EVENTS; i += batch) {
          const pipeline = redis.pipeline();
          for (const event of events.slice(i, i + batch)) {
            pipeline.call('XADD', 'bench:raw', 'MAXLEN', '~', '10000', '*', ...toStreamEntry(event));
          }
          await pipeline.exec();
        }
        const rate = EVENTS / ((performance.now() - started) / 1000);
        redis.disconnect();
        return rate;
      };
      const backendRate = async (client, idempotent) => {
        await admin.flushall();
        const backend = await createBackend(
          redisStreamBackend,
          { client, host: '127.0.0.1', port, stream_name: 'bench:backend', idempotent },
          { name: 'bench', logger: silentLogger },
        );
        await backend.health(); // connect outside the timed part
        const started = performance.now();
        let failed = 0;
        for (let i = 0; i < EVENTS; i += batch) {
          const outcomes = await backend.publish(events.slice(i, i + batch));
          for (const outcome of outcomes) if (!outcome.ok) failed++;
        }
        const rate = EVENTS / ((performance.now() - started) / 1000);
        await backend.close();
        if (failed > 0) throw new Error(`${failed} events failed to publish`);
        return rate;
      };

      const configs = [
        [`redis-benchmark XADD -P ${batch} -c 1`, benchmarkRate],
        ['ioredis raw pipeline of XADD', rawPipelineRate],
        ['backend ioredis, idempotent: false', () => backendRate('ioredis', false)],
        ['backend ioredis, idempotent: true', () => backendRate('ioredis', true)],
        ['backend node-redis, idempotent: false', () => backendRate('node-redis', false)],
        ['backend node-redis, idempotent: true', () => backendRate('node-redis', true)],
      ];
      const results = new Map(configs.map(([name]) => [name, []]));
      // Interleave the configurations so machine noise hits them alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, measure] of configs) results.get(name).push(await measure());
      }
      const baseline = median(results.get(configs[0][0]));
      const rawNode = median(results.get(configs[1][0]));
      const plain = {
        ioredis: median(results.get('backend ioredis, idempotent: false')),
        'node-redis': median(results.get('backend node-redis, idempotent: false')),
      };
      for (const [name] of configs) {
        const rate = median(results.get(name));
        const client = name.includes('node-redis') ? 'node-redis' : 'ioredis';
        const idempotencyCost = name.endsWith('idempotent: true')
          ? `${(plain[client] / rate).toFixed(2)}x`
          : '';
        rows.push({ batch, name, rate, slowdown: baseline / rate, overRaw: rawNode / rate, idempotencyCost });
      }
    }

    console.log(
      '| batch | what | events/s | redis-benchmark ÷ this | raw ioredis ÷ this | idempotent cost |',
    );
    console.log('|---:|---|---:|---:|---:|---:|');
    for (const row of rows) {
      console.log(
        `| ${row.batch} | ${row.name} | ${Math.round(row.rate).toLocaleString('en-US')} | ${row.slowdown.toFixed(2)}x | ${row.overRaw.toFixed(2)}x | ${row.idempotencyCost} |`,
      );
    }
    // For the combined report: each backend configuration next to both references of its batch size.
    const reference = (batch, prefix) => rows.find((r) => r.batch === batch && r.name.startsWith(prefix));
    record(
      rows
        .filter((row) => row.name.startsWith('backend'))
        .flatMap((row) => {
          const tool = reference(row.batch, 'redis-benchmark');
          const raw = reference(row.batch, 'ioredis raw');
          const name = `${EVENTS.toLocaleString('en-US')} events, batch ${row.batch}, ${row.name.replace('backend ', '')}`;
          return [
            {
              suite: 'redis-stream',
              name,
              value: row.rate,
              unit: 'events/s',
              reference: tool.name,
              referenceValue: tool.rate,
              ratio: row.rate / tool.rate,
              target: '>= 0.5x (at most 2x slower)',
              pass: row.rate / tool.rate >= 0.5,
            },
            {
              suite: 'redis-stream',
              name: `${name} (vs Node client)`,
              value: row.rate,
              unit: 'events/s',
              reference: raw.name,
              referenceValue: raw.rate,
              ratio: row.rate / raw.rate,
            },
          ];
        }),
    );
  } finally {
    admin.disconnect();
    await server.destroy();
  }
}

await main();
