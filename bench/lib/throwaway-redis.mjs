// A redis-server of the benchmark's own on a spare loopback port, without persistence, removed
// afterwards: benchmarks never touch the machine's shared Redis. The server is the tests' own
// (`@dispatch/test-services`, built); this adds the client each benchmark reads it with.
import { RedisServer } from '@dispatch/test-services/redis-server';

/** `Redis` is the ioredis class, passed in because each benchmark resolves its own copy. */
export async function startRedis(Redis) {
  const server = await RedisServer.start({ dirPrefix: 'dispatch-bench-redis-' });
  const client = new Redis({
    host: '127.0.0.1',
    port: server.port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  client.on('error', () => {}); // a benchmark that stops the server sees its own errors
  await client.connect();
  return {
    port: server.port,
    client,
    async stop() {
      client.disconnect();
      await server.destroy();
    },
  };
}
