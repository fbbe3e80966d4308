import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { outcomeKinds } from '@dispatch/core/testing';
import { RedisServer } from '@dispatch/test-services/redis-server';
import { sparePort } from '@dispatch/test-services/spare-port';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, makeEvents, openBackend } from './helpers.js';

/** A primary, a replica, and one Sentinel watching them, all throwaway. */
describe('Redis Sentinel (primary + replica + sentinel, with a failover)', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  let sentinel: ChildProcess;
  let sentinelPort: number;
  let dir: string;
  let admin: Redis;

  const role = async (port: number) => {
    const probe = new Redis({ host: '127.0.0.1', port });
    try {
      return ((await probe.role()) as [string])[0];
    } finally {
      probe.disconnect();
    }
  };

  beforeAll(async () => {
    primary = await RedisServer.start();
    replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    sentinelPort = await sparePort();
    dir = mkdtempSync(join(tmpdir(), 'dispatch-sentinel-'));
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${primary.port} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 5000',
        '',
      ].join('\n'),
    );
    sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    admin = new Redis({ host: '127.0.0.1', port: sentinelPort, lazyConnect: true, retryStrategy: () => 100 });
    admin.on('error', () => undefined);
    for (let i = 0; i < 100; i++) {
      try {
        await admin.connect();
        break;
      } catch {
        await sleep(100);
      }
    }
    // Wait until the replica is in sync, then until the Sentinel knows it (from the primary's INFO).
    const probe = new Redis({ host: '127.0.0.1', port: replica.port });
    try {
      for (let i = 0; i < 200 && !(await probe.info('replication')).includes('master_link_status:up'); i++) {
        await sleep(100);
      }
    } finally {
      probe.disconnect();
    }
    for (let i = 0; i < 100; i++) {
      const replicas = (await admin.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[];
      if (replicas.length > 0) break;
      await sleep(100);
    }
  });

  afterAll(async () => {
    admin?.disconnect();
    if (sentinel && sentinel.exitCode === null) {
      const exited = new Promise((resolve) => sentinel.once('exit', resolve));
      sentinel.kill('SIGKILL');
      await exited;
    }
    await replica?.destroy();
    await primary?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CLIENTS)(
    'publishes through the Sentinel-discovered primary, waiting for the replica (%s)',
    async (client) => {
      const backend = await openBackend({
        client,
        sentinels: [`127.0.0.1:${sentinelPort}`],
        stream_name: `sentinel-${client}`,
        wait_replicas: 1,
        wait_timeout: 5,
      });
      try {
        const events = makeEvents(3);
        expect(outcomeKinds(await backend.publish(events))).toEqual(['published', 'published', 'published']);
        // A re-publish is confirmed by WAIT as well (the script writes even for a duplicate).
        expect(outcomeKinds(await backend.publish(events))).toEqual(['published', 'published', 'published']);
        expect((await backend.health()).details).toMatchObject({ mode: 'sentinel', streamLength: 3 });
      } finally {
        await backend.close();
      }
    },
  );

  it.each(CLIENTS)(
    'keeps publishing after a failover, without a new backend (%s)',
    async (client) => {
      const backend = await openBackend({
        client,
        sentinels: [`127.0.0.1:${sentinelPort}`],
        stream_name: `failover-${client}`,
        connect_timeout: 2,
        socket_timeout: 2,
      });
      try {
        expect(outcomeKinds(await backend.publish(makeEvents(2)))).toEqual(['published', 'published']);
        const before = [await role(primary.port), await role(replica.port)];
        await admin.call('SENTINEL', 'FAILOVER', 'mymaster');
        await expect
          .poll(async () => [await role(primary.port), await role(replica.port)], { timeout: 15_000 })
          .toEqual([...before].reverse());
        const seen = new Set<string>();
        await expect
          .poll(
            async () => {
              const [kind] = outcomeKinds(await backend.publish(makeEvents(1)));
              seen.add(kind as string);
              return kind;
            },
            { timeout: 20_000, interval: 250 },
          )
          .toBe('published');
        // While it switched over, an event was at worst "unavailable": never lost, never burning retries.
        expect([...seen].filter((kind) => kind !== 'published' && kind !== 'unavailable')).toEqual([]);
      } finally {
        await backend.close();
      }
    },
    60_000,
  );
});
