import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { sparePort } from './helpers.js';

/** The broker's own start script, run directly: the Debian wrapper would switch to the rabbitmq user. */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmqctl';

/** A user for the definitions file: RabbitMQ stores a salted SHA-256 of the password. */
export interface BrokerUser {
  name: string;
  password: string;
  /** Regular expressions over resource names, as in `rabbitmqctl set_permissions`. */
  configure?: string | undefined;
  write?: string | undefined;
  read?: string | undefined;
}

export interface RabbitServerOptions {
  /** Extra `rabbitmq.conf` lines (TLS listeners, max_message_size, ...). */
  config?: string[] | undefined;
  /** Users besides guest (who keeps full rights and may log in over loopback). */
  users?: BrokerUser[] | undefined;
  /** Runs in the node's folder before it boots (certificates, ...); returns more config lines. */
  prepare?: ((dir: string) => string[]) | undefined;
}

function passwordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/**
 * A throwaway RabbitMQ node owned by one test file: its own node name, ports, data and logs in a
 * temporary folder, no plugins. It boots in about 5 s here; `stop()` kills it without warning (as
 * a crash would) and `start()` boots it again on the same port with the same data.
 */
export class RabbitServer {
  readonly port: number;
  readonly dir: string;
  readonly #distPort: number;
  readonly #nodeName: string;
  #process: ChildProcess | undefined;

  private constructor(port: number, distPort: number, dir: string) {
    this.port = port;
    this.#distPort = distPort;
    this.dir = dir;
    this.#nodeName = `dispatch-test-${randomUUID().slice(0, 8)}@localhost`;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(options: RabbitServerOptions = {}): Promise<RabbitServer> {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-rabbitmq-'));
    const server = new RabbitServer(await sparePort(), await sparePort(), dir);
    try {
      server.#writeConfig(options);
      await server.start();
    } catch (error) {
      await server.destroy();
      throw error;
    }
    return server;
  }

  #writeConfig(options: RabbitServerOptions): void {
    mkdirSync(join(this.dir, 'home'));
    const users = [{ name: 'guest', password: 'guest' }, ...(options.users ?? [])];
    const definitions = {
      users: users.map((user) => ({
        name: user.name,
        password_hash: passwordHash(user.password),
        hashing_algorithm: 'rabbit_password_hashing_sha256',
        tags: user.name === 'guest' ? ['administrator'] : [],
      })),
      vhosts: [{ name: '/' }],
      permissions: users.map((user) => ({
        user: user.name,
        vhost: '/',
        configure: (user as BrokerUser).configure ?? '.*',
        write: (user as BrokerUser).write ?? '.*',
        read: (user as BrokerUser).read ?? '.*',
      })),
    };
    writeFileSync(join(this.dir, 'definitions.json'), JSON.stringify(definitions));
    const config = [
      `listeners.tcp.default = 127.0.0.1:${this.port}`,
      `load_definitions = ${join(this.dir, 'definitions.json')}`,
      'log.console = false',
      'log.file.level = warning',
      ...(options.config ?? []),
      ...(options.prepare?.(this.dir) ?? []),
    ];
    writeFileSync(join(this.dir, 'rabbitmq.conf'), `${config.join('\n')}\n`);
    writeFileSync(join(this.dir, 'enabled_plugins'), '[].\n');
    writeFileSync(join(this.dir, 'rabbitmq-env.conf'), '');
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

  async start(): Promise<void> {
    rmSync(join(this.dir, 'rabbitmq.pid'), { force: true });
    const child = spawn(SERVER_SCRIPT, [], { env: this.#env(), stdio: 'ignore' });
    this.#process = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(
          `rabbitmq-server on port ${this.port} exited with ${child.exitCode}; logs in ${this.dir}/log`,
        );
      }
      if (await this.#answers()) return;
      await sleep(200);
    }
    throw new Error(
      `rabbitmq-server on port ${this.port} did not start within 60 s; logs in ${this.dir}/log`,
    );
  }

  /** Run `rabbitmqctl` against this node (it shares the node's Erlang cookie through HOME). */
  ctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        CTL_SCRIPT,
        ['-n', this.#nodeName, ...args],
        { env: this.#env(), timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${stderr || error.message}`));
          else resolve(stdout);
        },
      );
    });
  }

  /**
   * Shut the broker down cleanly (SIGTERM: the start script stops the node, which writes
   * everything out). RabbitMQ 3.10 saves a new quorum queue's registration only every few
   * minutes, so one declared just before a SIGKILL comes back empty; a clean restart after
   * declaring avoids that.
   */
  async shutdown(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Kill the broker at once (SIGKILL), as a crash or a pulled plug would. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The start script runs the Erlang VM as its child and records its process id.
    const vm = this.#vmPid();
    if (vm !== undefined) {
      try {
        process.kill(vm, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    child.kill('SIGKILL');
    await exited;
    // The VM dies a moment after the signal; until then its port may still take connections.
    while (vm !== undefined && RabbitServer.#alive(vm)) await sleep(20);
  }

  /** Whether this node's broker is running (started and not stopped). */
  get running(): boolean {
    return this.#process !== undefined;
  }

  static #alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
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
      const model = await amqp.connect(this.url, { timeout: 2000 });
      model.on('error', () => undefined);
      await model.close();
      return true;
    } catch {
      return false;
    }
  }
}
