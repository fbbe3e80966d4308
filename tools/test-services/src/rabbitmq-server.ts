import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { isAlive, isRunning, run, sleep } from './processes.js';
import { ServerProcess } from './server-process.js';
import { restartablePort } from './spare-port.js';

/** The broker's own start script, run directly: the Debian wrapper would switch to the rabbitmq user. */
export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
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
  /** The start script. Default `/usr/lib/rabbitmq/bin/rabbitmq-server`. */
  binary?: string | undefined;
  /** Prefix of its node name and temp folder. */
  name?: string | undefined;
}

function passwordHash(password: string): string {
  const salt = randomBytes(4);
  const digest = createHash('sha256')
    .update(Buffer.concat([salt, Buffer.from(password, 'utf8')]))
    .digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/**
 * A throwaway RabbitMQ node: its own node name, ports, data and logs in a temp folder, no plugins,
 * guest/guest over loopback. It boots in about 5 s; `stop()` kills the Erlang VM without warning
 * (as a crash would), `start()` boots it again on the same port with the same data. A failed start
 * quotes the end of its output. A node still running when this process exits is killed.
 */
export class RabbitServer extends ServerProcess {
  readonly #distPort: number;
  readonly #nodeName: string;
  readonly #binary: string;

  private constructor(port: number, distPort: number, dir: string, options: RabbitServerOptions) {
    super('rabbitmq-server', port, dir);
    this.#distPort = distPort;
    this.#binary = options.binary ?? RABBITMQ_SERVER;
    this.#nodeName = `${options.name ?? 'dispatch-test'}-${randomUUID().slice(0, 8)}@localhost`;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  static async start(options: RabbitServerOptions = {}): Promise<RabbitServer> {
    const dir = mkdtempSync(join(tmpdir(), `${options.name ?? 'dispatch-test'}-rabbitmq-`));
    const server = new RabbitServer(await restartablePort(), await restartablePort(), dir, options);
    return ServerProcess.startOrDestroy(server, () => server.#writeConfig(options));
  }

  #writeConfig(options: RabbitServerOptions): void {
    mkdirSync(join(this.dir, 'home'));
    const users: BrokerUser[] = [{ name: 'guest', password: 'guest' }, ...(options.users ?? [])];
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
        configure: user.configure ?? '.*',
        write: user.write ?? '.*',
        read: user.read ?? '.*',
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
    await this.launch(this.#binary, [], {
      log: join(this.dir, 'rabbitmq-server.log'),
      env: this.#env(),
      ready: () => this.#answers(),
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${this.label} to answer (logs in ${this.dir}/log)`,
      onExit: (child) => this.killNow(this.#vmPid(), child),
    });
  }

  /** Run `rabbitmqctl` against this node (it shares the node's Erlang cookie through HOME). */
  ctl(...args: string[]): Promise<string> {
    return run(CTL_SCRIPT, ['-n', this.#nodeName, ...args], { env: this.#env(), timeoutMs: 30_000 });
  }

  /**
   * Shut the broker down cleanly (SIGTERM: the start script stops the node, which writes
   * everything out). RabbitMQ 3.10 saves a new quorum queue's registration, and new queue and
   * exchange records, only lazily, so ones declared just before a SIGKILL may come back missing; a
   * clean restart after declaring avoids that.
   */
  async shutdown(): Promise<void> {
    await this.end((child) => child.kill('SIGTERM'));
  }

  /** A clean restart: `shutdown()`, then `start()`. */
  async settle(): Promise<void> {
    await this.shutdown();
    await this.start();
  }

  /** Kill the broker at once (SIGKILL to the Erlang VM and its start script), as a crash would. */
  override async stop(): Promise<void> {
    const vm = await this.end((child) => {
      // The start script runs the Erlang VM as its child and records its process id.
      const pid = this.#vmPid();
      this.killNow(pid, child);
      return pid;
    });
    // The VM dies a moment after the signal; until then its port may still take connections.
    while (vm !== undefined && isAlive(vm)) await sleep(20);
  }

  /** SIGKILL now, the VM and its start script, synchronously (a last resort on a second Ctrl-C). */
  override killNow(vm = this.#vmPid(), child = this.child): void {
    if (vm !== undefined && isAlive(vm)) {
      try {
        process.kill(vm, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (child && isRunning(child)) child.kill('SIGKILL');
  }

  /** Whether this node's broker is running (started and not stopped). */
  override get running(): boolean {
    return this.child !== undefined;
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
