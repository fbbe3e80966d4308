import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, killChild, killOnExit, logFile, logTail, run, sleep } from './processes.js';
import { isPortFree, sparePort } from './spare-port.js';
import { waitFor } from './wait-for.js';

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
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #child: ChildProcess | undefined;
  #unregister: (() => void) | undefined;
  readonly #args: string[];
  readonly #cliArgs: string[];
  readonly #appendOnly: boolean;
  readonly #startTimeoutMs: number;

  private constructor(port: number, options: RedisServerOptions) {
    this.port = port;
    this.#args = options.args ?? [];
    this.#cliArgs = options.cliArgs ?? [];
    this.#appendOnly = options.appendOnly ?? false;
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'dispatch-redis-'));
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await sparePort()), options);
    try {
      await server.start();
    } catch (error) {
      // Nobody else holds a reference to it: remove it here or it outlives the run.
      await server.destroy();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Whether it was started and not stopped since. */
  get running(): boolean {
    return this.#child !== undefined && isRunning(this.#child);
  }

  async start(): Promise<void> {
    const persistence = this.#appendOnly
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence];
    args.push('--dir', this.dir, ...this.#args);
    const logPath = join(this.dir, 'redis.log');
    const log = logFile(logPath);
    const child = spawn('redis-server', args, { stdio: ['ignore', log.fd, log.fd] });
    log.close();
    this.#child = child;
    this.#unregister = killOnExit(() => child.kill('SIGKILL'));
    await waitFor(() => this.ping(), {
      what: `redis-server on port ${this.port} to answer`,
      timeoutMs: this.#startTimeoutMs,
      failure: () =>
        isRunning(child)
          ? undefined
          : new Error(
              `redis-server on port ${this.port} exited with ${child.exitCode ?? child.signalCode}\n${logTail(logPath)}`,
            ),
    });
  }

  /** Kill it outright (SIGKILL), as a crash or a pulled plug would. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#unregister?.();
    await killChild(child);
  }

  /** The same as `stop()`: a crash. */
  kill(): Promise<void> {
    return this.stop();
  }

  /** SIGKILL now, synchronously (a last resort on a second Ctrl-C). */
  killNow(): void {
    if (this.#child && isRunning(this.#child)) this.#child.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
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
