// A redis-server of the benchmark's own on a spare loopback port, without persistence, removed
// afterwards: benchmarks never touch the machine's shared Redis.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function sparePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `Redis` is the ioredis class, passed in because each benchmark resolves its own copy. */
export async function startRedis(Redis) {
  const port = await sparePort();
  const dir = mkdtempSync(join(tmpdir(), 'dispatch-bench-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {}); // refused while the server starts; connect() below retries
  for (let i = 0; i < 100; i += 1) {
    try {
      await client.connect();
      break;
    } catch {
      await sleep(50);
    }
  }
  return {
    port,
    client,
    async stop() {
      client.disconnect();
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
