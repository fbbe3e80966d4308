import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { BrokerServer } from './backends/backend-kit.js';
import { exited, isRunning, restartablePort, sleep } from './processes.js';

/** The broker's own start script, run directly: the Debian wrapper would switch to the rabbitmq user. */
const SERVER_SCRIPT = process.env.CHAOS_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';

/**
 * A RabbitMQ node of the harness's own: its own node name, ports, data and logs in a temp folder,
 * no plugins, guest/guest over loopback. It boots in about 5 s; `kill` is a crash of the Erlang VM.
 */
export class ThrowawayRabbitMq implements BrokerServer {
  readonly port: number;
  readonly dir: string;
  readonly #distPort: number;
  readonly #nodeName: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, distPort: number, dir: string) {
    this.port = port;
    this.#distPort = distPort;
    this.dir = dir;
    this.#nodeName = `dispatch-chaos-${port}@localhost`;
  }

  static async start(): Promise<ThrowawayRabbitMq> {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-chaos-rabbitmq-'));
    const server = new ThrowawayRabbitMq(await restartablePort(), await restartablePort(), dir);
    try {
      mkdirSync(join(dir, 'home'));
      const config = [
        `listeners.tcp.default = 127.0.0.1:${server.port}`,
        'log.console = false',
        'log.file.level = warning',
      ];
      writeFileSync(join(dir, 'rabbitmq.conf'), `${config.join('\n')}\n`);
      writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
      writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    rmSync(join(this.dir, 'rabbitmq.pid'), { force: true });
    const log = openSync(join(this.dir, 'rabbitmq-server.log'), 'a');
    this.#child = spawn(SERVER_SCRIPT, [], { env: this.#env(), stdio: ['ignore', log, log] });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (!isRunning(this.#child)) throw new Error(`rabbitmq-server exited at start; logs in ${this.dir}`);
      if (await this.#answers()) return;
      await sleep(100);
    }
    throw new Error(`rabbitmq-server did not answer on port ${this.port} within 60 s; logs in ${this.dir}`);
  }

  /** SIGKILL to the Erlang VM and its start script, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || !isRunning(child)) return;
    const done = exited(child);
    const vm = this.#vmPid();
    this.killNow(vm, child);
    await done;
    // The VM dies a moment after the signal; until then its port may still take connections.
    while (vm !== undefined && alive(vm)) await sleep(20);
  }

  /**
   * A clean restart (SIGTERM: the node writes everything out). RabbitMQ 3.10 saves new queue and
   * exchange records lazily, so ones declared just before a SIGKILL may come back missing.
   */
  async settle(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child && isRunning(child)) {
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    }
    await this.start();
  }

  killNow(vm = this.#vmPid(), child = this.#child): void {
    if (vm !== undefined && alive(vm)) process.kill(vm, 'SIGKILL');
    if (child && isRunning(child)) child.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  #env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: join(this.dir, 'home'),
      RABBITMQ_NODENAME: this.#nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.#distPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.dir, 'rabbitmq.pid'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
  }

  #vmPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir, 'rabbitmq.pid'), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Booted means an AMQP login works, not only that the port is open. */
  async #answers(): Promise<boolean> {
    try {
      const connection = await amqp.connect(this.url, { timeout: 2000 });
      connection.on('error', () => undefined);
      await connection.close();
      return true;
    } catch {
      return false;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
