import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep } from './processes.js';
import { ServerProcess } from './server-process.js';
import { isPortFree, sparePort } from './spare-port.js';

export interface RedisServerOptions {
  /** Extra `redis-server` arguments (they come last, so they override the defaults). */
  args?: string[] | undefined;
  /** Default: a spare port. */
  port?: number | undefined;
  /** Extra `redis-cli` arguments to reach it (TLS). */
  cliArgs?: string[] | undefined;
  /**
   * Keep an append-only file fsynced on every write, so a restart (even after SIGKILL) keeps every
   * acknowledged write. Default: nothing on disk, a restart comes back empty.
   */
  appendOnly?: boolean | undefined;
  /** How long `start()` waits for a PING answer. Default 30 s. */
  startTimeoutMs?: number | undefined;
  /** Prefix of its temp folder. */
  dirPrefix?: string | undefined;
}

/**
 * A throwaway `redis-server` on its own port and temp folder, never the shared one: start, kill and
 * start it again on the same port. Its output goes to `redis.log` in the folder; a failed start
 * quotes the end of it. A server still running when this process exits is killed.
 */
export class RedisServer extends ServerProcess {
  readonly #args: string[];
  readonly #cliArgs: string[];
  readonly #appendOnly: boolean;
  readonly #startTimeoutMs: number;

  private constructor(port: number, options: RedisServerOptions) {
    super('redis-server', port, mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'dispatch-redis-')));
    this.#args = options.args ?? [];
    this.#cliArgs = options.cliArgs ?? [];
    this.#appendOnly = options.appendOnly ?? false;
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    return ServerProcess.startOrDestroy(new RedisServer(options.port ?? (await sparePort()), options));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    const persistence = this.#appendOnly
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence];
    args.push('--dir', this.dir, ...this.#args);
    await this.launch('redis-server', args, {
      log: join(this.dir, 'redis.log'),
      ready: () => this.ping(),
      timeoutMs: this.#startTimeoutMs,
    });
  }

  /** Whether it answers PING (a server with requirepass answers NOAUTH: up, just not to strangers). */
  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      execFile(
        'redis-cli',
        ['-p', String(this.port), ...this.#cliArgs, 'PING'],
        { timeout: 2000 },
        (_error, stdout) => resolve(/PONG|NOAUTH/.test(stdout)),
      );
    });
  }

  /** A `redis-cli` command against it, synchronously; its output trimmed, or '' when it fails. */
  cli(...args: string[]): string {
    try {
      return execFileSync('redis-cli', ['-p', String(this.port), ...this.#cliArgs, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return '';
    }
  }
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
      if (!ports.includes(port) && (await isPortFree(port)) && (await isPortFree(port + 10_000)))
        ports.push(port);
    }
    const nodes: RedisServer[] = [];
    const cluster = new RedisCluster(nodes);
    try {
      for (const port of ports) {
        const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
        args.push('--cluster-node-timeout', '2000');
        nodes.push(await RedisServer.start({ args, port }));
      }
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...ports.map((port) => `127.0.0.1:${port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeoutMs: 20_000 },
      );
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
      const info = () => run('redis-cli', ['-p', String(port), 'cluster', 'info'], { timeoutMs: 20_000 });
      while (!(await info()).includes('cluster_state:ok')) {
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
