import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Backend, createBackend, type Logger, type OutboxEvent, silentLogger } from '@dispatch/core';
import { Redis } from 'ioredis';
import { type RedisStreamOptionsInput, redisStreamBackend } from '../src/index.js';

export const CLIENTS = ['ioredis', 'node-redis'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The machine's shared Redis (see environment.md). */
export const SHARED_REDIS = { host: '127.0.0.1', port: 6379 };

export function randomStream(prefix = 'test'): string {
  return `dispatch-test:${prefix}:${randomUUID()}`;
}

let counter = 0;

/** An event as a store would hand it to the worker. */
export function makeEvent(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  counter += 1;
  const now = new Date();
  return {
    id: randomUUID(),
    specVersion: '1.0',
    eventType: 'order.created',
    source: 'test-suite',
    subject: null,
    dataContentType: 'application/json',
    dataSchema: null,
    data: { n: counter },
    key: null,
    extensions: {},
    fields: {},
    backend: 'default',
    maxRetries: 3,
    createdAt: now,
    status: 'processing',
    attempts: 1,
    availableAt: now,
    publishedAt: null,
    updatedAt: now,
    lastError: null,
    history: [],
    lockedUntil: new Date(now.getTime() + 30_000),
    sequence: counter,
    ...overrides,
  };
}

export function makeEvents(count: number, overrides: Partial<OutboxEvent> = {}): OutboxEvent[] {
  return Array.from({ length: count }, () => makeEvent(overrides));
}

/** A backend built the way Dispatch builds it: options validated, wrapped by core. */
export function openBackend(
  options: RedisStreamOptionsInput,
  timeoutMs = 10_000,
  logger: Logger = silentLogger,
): Promise<Backend> {
  return createBackend(redisStreamBackend, options, { name: 'default', logger, timeoutMs });
}

/** A logger that keeps every line, to check what would have been written. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const write = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push(
      `${level} ${message} ${JSON.stringify(fields, (_key, value) => (value instanceof Error ? value.message : value))}`,
    );
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** A plain ioredis connection for reading back what the backend wrote. */
export function inspector(port = SHARED_REDIS.port): Redis {
  return new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** Stream entries as `{ id, fields }`, in stream order. */
export async function readStream(
  redis: Redis,
  stream: string,
): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id, fields };
  });
}

/** Delete test keys: the streams and their idempotency markers. */
export async function cleanup(redis: Redis, streams: Iterable<string>): Promise<void> {
  for (const stream of streams) {
    const markers = await redis.keys(`dispatch:idem:{${stream}}:*`);
    await redis.del(stream, ...markers);
  }
}

/** A port nobody listens on right now. */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway `redis-server` owned by one test: start, stop and restart it on the same port. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  private process: ChildProcess | undefined;
  private readonly extraArgs: string[];
  private readonly cliArgs: string[];

  private constructor(port: number, extraArgs: string[], cliArgs: string[]) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.cliArgs = cliArgs;
    this.dir = mkdtempSync(join(tmpdir(), 'dispatch-redis-'));
  }

  /** `cliArgs`: extra `redis-cli` arguments to reach it (TLS). */
  static async start(extraArgs: string[] = [], port?: number, cliArgs: string[] = []): Promise<RedisServer> {
    const server = new RedisServer(port ?? (await sparePort()), extraArgs, cliArgs);
    try {
      await server.start();
    } catch (error) {
      // Nobody else holds a reference to it: remove it here or it outlives the test run.
      await server.destroy();
      throw error;
    }
    return server;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', this.dir, ...this.extraArgs);
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`redis-server on port ${this.port} exited with ${child.exitCode}`);
      if (await this.ping()) return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private ping(): Promise<boolean> {
    // A server with requirepass answers NOAUTH: up, just not to strangers.
    return new Promise((resolve) => {
      execFile(
        'redis-cli',
        ['-p', String(this.port), ...this.cliArgs, 'PING'],
        { timeout: 2000 },
        (_error, stdout) => {
          resolve(/PONG|NOAUTH/.test(stdout));
        },
      );
    });
  }
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A local 3-master Redis Cluster on spare ports (each node also needs its port + 10000 for the bus). */
export class RedisCluster {
  readonly nodes: RedisServer[];

  private constructor(nodes: RedisServer[]) {
    this.nodes = nodes;
  }

  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  static async start(): Promise<RedisCluster> {
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = 20_000 + Math.floor(Math.random() * 30_000);
      if (!ports.includes(port) && (await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
    }
    const nodes: RedisServer[] = [];
    const cluster = new RedisCluster(nodes);
    try {
      for (const port of ports) {
        nodes.push(
          await RedisServer.start(
            [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              '2000',
            ],
            port,
          ),
        );
      }
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await cluster.ready();
      return cluster;
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
  }

  /** Wait until every node reports `cluster_state:ok`. */
  async ready(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (const port of this.ports) {
      while (
        !(await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).includes('cluster_state:ok')
      ) {
        if (Date.now() > deadline) throw new Error('cluster did not become ready');
        await sleep(100);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  /** Start the nodes again; each reloads its nodes.conf, so the cluster comes back as it was. */
  async start(): Promise<void> {
    for (const node of this.nodes) await node.start();
    await this.ready();
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}
